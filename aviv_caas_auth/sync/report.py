"""What applying a sync plan did: one result per listing, and the progress reported on the way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.sync.plan import SyncAction, SyncPlan

StatusT = TypeVar("StatusT", covariant=True)

ListingOutcome = Literal["created", "updated", "withdrawn", "unchanged", "kept", "failed"]
OUTCOMES: tuple[ListingOutcome, ...] = ("created", "updated", "withdrawn", "unchanged", "kept", "failed")


@dataclass(frozen=True)
class ListingResult(Generic[StatusT]):
    """What happened to one listing.

    Attributes:
        action: what the plan said.
        outcome: ``created``, ``updated`` (a planned create that found the classified already there,
            e.g. after a crash, is an update), ``withdrawn``, ``unchanged`` and ``kept`` (nothing
            sent), or ``failed``.
        classified_id: AVIV's classified (None for a create that failed before AVIV accepted it).
        status: the final status of the write, when waited for: the ``ClassifiedStatusInternal``
            of the client's package (None when nothing was sent, not waited for, failed, or a
            withdrawn classified was already gone).
        error: why it failed: the typed error (``ValidationError``, ``ClassifiedProcessingError``,
            ``StatusTimeoutError``, ``InvalidClassifiedError``, ...), None otherwise.

    """

    action: SyncAction
    outcome: ListingOutcome
    classified_id: UUID | None
    status: StatusT | None = None
    error: CaasError | None = None

    @property
    def offerer_estate_id(self) -> str:
        """The listing's key."""
        return self.action.offerer_estate_id

    @property
    def ok(self) -> bool:
        """Whether it did not fail."""
        return self.outcome != "failed"

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON."""
        status = getattr(self.status, "status", None)
        return {
            **self.action.to_dict(),
            "outcome": self.outcome,
            "classifiedId": str(self.classified_id) if self.classified_id else None,
            "status": str(status) if status is not None else None,
            "error": f"{type(self.error).__name__}: {self.error}" if self.error is not None else None,
        }


@dataclass(frozen=True)
class SyncProgress(Generic[StatusT]):
    """One write of an apply ended: ``done`` of ``total`` writes, and its result."""

    done: int
    total: int
    result: ListingResult[StatusT]


@dataclass(frozen=True)
class SyncReport(Generic[StatusT]):
    """Every listing's result, in the plan's order, and the plan applied."""

    plan: SyncPlan
    results: tuple[ListingResult[StatusT], ...]

    @property
    def counts(self) -> dict[ListingOutcome, int]:
        """How many listings came to each outcome (every outcome listed)."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    @property
    def failed(self) -> tuple[ListingResult[StatusT], ...]:
        """The listings that failed."""
        return tuple(result for result in self.results if not result.ok)

    @property
    def ok(self) -> bool:
        """Whether every listing succeeded."""
        return not self.failed

    def summary(self) -> str:
        """One line: what the apply did."""
        counts = self.counts
        parts = [
            f"{counts[outcome]} {outcome}" for outcome in OUTCOMES if counts[outcome] or outcome == "failed"
        ]
        return f"{len(self.results)} listings: {', '.join(parts)}"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "api": self.plan.api,
            "counts": dict(self.counts),
            "results": [result.to_dict() for result in self.results],
        }
