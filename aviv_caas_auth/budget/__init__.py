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
from aviv_caas_auth.lazy import lazy_getattr as _lazy_getattr

if TYPE_CHECKING:
    from aviv_caas_auth.budget.memory import MemoryRateBudget
    from aviv_caas_auth.budget.redis import RedisRateBudget

_LAZY = {
    "MemoryRateBudget": "aviv_caas_auth.budget.memory",
    "RedisRateBudget": "aviv_caas_auth.budget.redis",
}

if not TYPE_CHECKING:
    # MemoryRateBudget / RedisRateBudget (and limits, redis) on first use; hidden from type checkers.
    __getattr__ = _lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "MemoryRateBudget",
    "RateBudget",
    "RateBudgetError",
    "RateBudgetTimeoutError",
    "RateBudgetUnavailableError",
    "RedisRateBudget",
]
