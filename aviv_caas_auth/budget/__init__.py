"""Shared rate budgets: AVIV's per-client-id request rate, spent by every caller that shares one.

    from aviv_caas_auth.budget import RedisRateBudget
    budget = RedisRateBudget("redis://redis:6379/0", rate="20/second")
    client = create_client(creds, user_agent="MyCRM/2.4.1", rate_budget=budget)

``MemoryRateBudget`` shares a budget between the threads and tasks of one process,
``RedisRateBudget`` between every process on every host. Both need the ``budget`` extra
(``limits``); the Redis one the ``redis`` extra too. Without a budget (the default) nothing waits
before a request, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aviv_caas_auth.budget.errors import RateBudgetError, RateBudgetTimeoutError, RateBudgetUnavailableError
from aviv_caas_auth.budget.protocol import RateBudget

if TYPE_CHECKING:
    from aviv_caas_auth.budget.memory import MemoryRateBudget
    from aviv_caas_auth.budget.redis import RedisRateBudget

_LAZY = {
    "MemoryRateBudget": "aviv_caas_auth.budget.memory",
    "RedisRateBudget": "aviv_caas_auth.budget.redis",
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """Import ``MemoryRateBudget`` / ``RedisRateBudget`` (and limits, redis) on first use."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(module), name)
        globals()[name] = value
        return value


__all__ = [
    "MemoryRateBudget",
    "RateBudget",
    "RateBudgetError",
    "RateBudgetTimeoutError",
    "RateBudgetUnavailableError",
    "RedisRateBudget",
]
