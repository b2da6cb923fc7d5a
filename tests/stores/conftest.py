from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from pytest_redis import factories
from pytest_redis.executor import RedisExecutor

# The fake AVIV and credentials of the auth tests (a conftest in a sibling folder is not inherited;
# threaded_server comes from tests/conftest.py).
from tests.auth.conftest import aviv, clock, credentials, policy

__all__ = ["aviv", "clock", "credentials", "policy"]

redis_server_process = factories.redis_proc(host="127.0.0.1", port=None)


@pytest.fixture
def token_dir(tmp_path: Path) -> Path:
    """Where a FileTokenStore keeps tokens (created by the store, 0700)."""
    return tmp_path / "tokens"


@pytest.fixture(scope="session")
def redis_server(request: pytest.FixtureRequest) -> RedisExecutor:
    """A real redis-server on loopback, started for this test session (pytest-redis)."""
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is not installed, and the Redis store tests need a real one on loopback: "
            "install Debian's package (apt-get install -y redis-server), as .ci/run does",
            pytrace=False,
        )
    server: RedisExecutor = request.getfixturevalue("redis_server_process")
    return server


@pytest.fixture
def redis_url(redis_server: RedisExecutor) -> Iterator[str]:
    """The URL of the test Redis, emptied before each test (and running again if a test stopped it)."""
    if not redis_server.running():
        redis_server.start()
    url = f"redis://{redis_server.host}:{redis_server.port}/0"
    with redis.Redis.from_url(url) as client:
        client.flushall()
    yield url
    if not redis_server.running():
        redis_server.start()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as client:
        yield client
