"""The mass-withdrawal guard: an empty or truncated CRM export must never wipe an agency off AVIV.

A feed that lost most of its listings (a failed export, the wrong file, a CRM bug) looks exactly
like an agency that sold most of its properties overnight, and a withdrawal cannot be undone on
the portals (a listing put back starts over: new classifiedId, lost history). So before sending
anything, ``apply_sync`` checks the plan's withdrawals:

- **An empty feed withdraws nothing, ever** (even forced): the most common broken export. To
  close an agency, withdraw its classifieds deliberately (``DELETE /classifieds/{id}``).
- **More than** ``max_share`` **of the agency's inventory** (default a quarter) is refused unless
  ``force=True`` (CLI ``--force``), except up to ``always_allowed`` withdrawals (default 5), so
  that a small agency can still withdraw a listing or two.

A refusal raises :class:`~aviv_caas_auth.sync.errors.WithdrawalRefusedError` before any request.
"""

from __future__ import annotations

import attrs

from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.sync.errors import WithdrawalRefusedError
from aviv_caas_auth.sync.plan import SyncPlan


def _share(_instance: object, _attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigurationError(f"WithdrawalGuard(max_share=...) must be a number in [0, 1], got {value!r}")


def _count(_instance: object, _attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"WithdrawalGuard(always_allowed=...) must be a whole number >= 0, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class WithdrawalGuard:
    """How many withdrawals ``apply_sync`` sends without ``force`` (see the module's docstring)."""

    max_share: float = attrs.field(default=0.25, validator=_share)
    always_allowed: int = attrs.field(default=5, validator=_count)

    def check(self, plan: SyncPlan, *, force: bool = False) -> None:
        """Raise WithdrawalRefusedError if ``plan`` withdraws too much; return otherwise."""
        withdrawals = plan.counts["withdraw"]
        if not withdrawals:
            return
        if plan.listings == 0:
            raise WithdrawalRefusedError(
                withdrawals,
                plan.inventory,
                "the feed is empty, and an empty export never withdraws an agency's listings (a broken "
                "CRM export looks just like it); to close an agency, withdraw its classifieds one by one",
            )
        limit = max(self.always_allowed, int(self.max_share * plan.inventory))
        if withdrawals > limit and not force:
            raise WithdrawalRefusedError(
                withdrawals,
                plan.inventory,
                f"that is more than {self.max_share:.0%} of its inventory (the guard allows {limit}); "
                "check that the feed is complete, then pass force=True (aviv-caas sync --force) "
                "if it is meant",
            )


DEFAULT_GUARD = WithdrawalGuard()
