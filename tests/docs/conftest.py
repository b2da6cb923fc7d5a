"""Fixtures of the docs tests: a real redis-server on loopback for the snippets that use one."""

from __future__ import annotations

import shutil

import pytest
from pytest_redis import factories
from pytest_redis.executor import RedisExecutor

redis_server_process = factories.redis_proc(host="127.0.0.1", port=None)


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    """The URL of a redis-server started on loopback for this session (pytest-redis)."""
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is not installed: apt-get install -y redis-server, as .ci/run does", pytrace=False
        )
    server: RedisExecutor = request.getfixturevalue("redis_server_process")
    if not server.running():
        server.start()
    return f"redis://{server.host}:{server.port}/0"
