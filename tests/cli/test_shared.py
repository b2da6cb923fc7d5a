"""``aviv-caas sync --redis-url --rate``: a cron run shares the workers' tokens and AVIV's rate budget."""

from __future__ import annotations

from pathlib import Path

import redis

from aviv_caas_auth.cli import exits
from aviv_caas_auth.sandbox import Sandbox
from tests.budget.conftest import redis_server, redis_server_process, redis_url  # noqa: F401 - fixtures
from tests.cli.conftest import aviv_caas, output, server, write_feed  # noqa: F401 - fixture
from tests.sync.conftest import feed


def test_two_runs_share_one_token_and_spend_the_redis_budget(
    server: Sandbox,  # noqa: F811
    redis_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_feed(tmp_path / "feed.json", feed(4))
    shared = ("--redis-url", redis_url, "--rate", "50")
    first = aviv_caas("--sandbox-local", server.url, "--json", "sync", str(path), *shared)
    assert first.returncode == exits.OK, first.stderr
    assert output(first)["report"]["counts"]["created"] == 4
    second = aviv_caas("--sandbox-local", server.url, "--json", "sync", str(path), *shared)
    assert second.returncode == exits.OK, second.stderr
    assert output(second)["report"]["counts"]["unchanged"] == 4

    (usage,) = server.report().clients
    assert usage.token_requests == 1  # the second process found the first one's token in Redis
    with redis.Redis.from_url(redis_url) as client:
        keys = [key.decode() for key in client.keys("aviv-caas:*")]
    assert any(key.startswith("aviv-caas:budget:") for key in keys)  # the window both runs spent
    assert "redis-url" not in first.stderr


def test_a_rate_that_is_not_one_is_a_configuration_error(server: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    path = write_feed(tmp_path / "feed.json", feed(1))
    result = aviv_caas("--sandbox-local", server.url, "sync", str(path), "--rate", "fast")
    assert result.returncode == exits.CONFIGURATION
    assert result.stderr.startswith("error: ")
    assert "'fast'" in result.stderr
    assert server.exchanges() == []  # nothing sent
