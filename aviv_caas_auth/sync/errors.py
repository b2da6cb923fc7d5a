"""The errors of a sync: a feed that cannot be synced, and withdrawals the guard refused."""

from __future__ import annotations

from typing import Any

from aviv_caas_auth.errors import CaasError


class FeedError(CaasError, ValueError):
    """A listing of the desired feed cannot be synced; nothing was sent.

    Attributes:
        index: the listing's position in the feed (0-based).
        offerer_estate_id: its offererEstateId, when it has one.
        reason: what is wrong with it, and how to fix it.

    """

    def __init__(self, index: int, reason: str, offerer_estate_id: str | None = None) -> None:
        self.index = index
        self.offerer_estate_id = offerer_estate_id
        self.reason = reason
        named = f" ({offerer_estate_id})" if offerer_estate_id else ""
        super().__init__(f"listing #{index}{named} of the feed: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.index, self.reason, self.offerer_estate_id))


class DuplicateListingError(FeedError):
    """Two listings of the feed have the same offererEstateId (AVIV keeps it unique per offerer).

    Attributes:
        first_index: the position of the first listing with that offererEstateId.

    """

    def __init__(self, index: int, offerer_estate_id: str, first_index: int) -> None:
        self.first_index = first_index
        super().__init__(
            index,
            f"its offererEstateId is also listing #{first_index}'s: AVIV keeps one classified per "
            "offererEstateId, so the feed must list each once (fix the CRM export)",
            offerer_estate_id,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.index, self.offerer_estate_id, self.first_index))


class WithdrawalRefusedError(CaasError):
    """The mass-withdrawal guard refused the plan: nothing was sent.

    Attributes:
        withdrawals: how many classifieds the plan would withdraw.
        inventory: how many the agency has on AVIV.
        reason: why it was refused, and how to go ahead if it is meant.

    """

    def __init__(self, withdrawals: int, inventory: int, reason: str) -> None:
        self.withdrawals = withdrawals
        self.inventory = inventory
        self.reason = reason
        super().__init__(
            f"refused to withdraw {withdrawals} of the agency's {inventory} classifieds: {reason}. "
            "Nothing was sent."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.withdrawals, self.inventory, self.reason))
