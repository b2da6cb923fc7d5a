"""Fixtures of the rate budget tests: a real redis-server on loopback (as the store tests start it)."""

from __future__ import annotations

from tests.stores.conftest import redis_server, redis_server_process, redis_url

__all__ = ["redis_server", "redis_server_process", "redis_url"]
