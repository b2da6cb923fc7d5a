"""Which rate budget a request spends: its client's (``create_client(rate_budget=...)``) or a batch's.

A workflow that runs many calls (``publish_many(..., rate_budget=...)``; the sync workflow will do
the same) sets a budget for the calls it makes: a context variable, so it follows its threads and
tasks and nobody else's, and it wins over the client's own. The transport reads it once per request
(one context-variable read when there is none) and spends the budget before each attempt; see
:mod:`aviv_caas_auth.budget`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aviv_caas_auth.errors import ConfigurationError

if TYPE_CHECKING:
    from aviv_caas_auth.budget.protocol import RateBudget

_BUDGET: ContextVar[RateBudget | None] = ContextVar("aviv_caas_auth_rate_budget", default=None)


def current(own: RateBudget | None) -> RateBudget | None:
    """The budget of the running batch if any, else ``own`` (the client's; None: none)."""
    batch = _BUDGET.get()
    return own if batch is None else batch


@contextlib.contextmanager
def spending(budget: RateBudget | None) -> Iterator[None]:
    """Spend ``budget`` on the calls made in this block (this thread or task); None changes nothing."""
    if budget is None:
        yield
        return
    token = _BUDGET.set(checked(budget, "rate_budget"))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def checked(budget: object, what: str) -> RateBudget:
    """``budget`` if it is a rate budget, else a ConfigurationError saying what to pass."""
    from aviv_caas_auth.budget.protocol import RateBudget

    if not isinstance(budget, RateBudget):
        raise ConfigurationError(
            f"{what} must be a rate budget (aviv_caas_auth.budget.MemoryRateBudget(...) or "
            f"RedisRateBudget(...), or an object with acquire/aacquire/pause/apause), not "
            f"{type(budget).__name__}"
        )
    return budget
