"""Plan a sync: one action per listing, from the feed and what AVIV has now. Reads, never writes.

    plan = plan_sync(client, listings, withdraw_missing=True)
    plan.summary()        # '200 listings: 0 to create, 7 to update, 190 unchanged, 3 to withdraw ...'

AVIV's current state is read with the list endpoint only (``GET /classifieds``, page after page:
``ceil(N / page_size)`` requests, + 1 if the last page ends with a token), never from a local
cache, so the plan is right after a crash, a manual edit on AVIV or a second CRM instance. Each
listing is keyed by its offererEstateId (unique per offerer at AVIV) and compared as
:mod:`~aviv_caas_auth.sync.compare` says:

- ``create``: in the feed, not on AVIV.
- ``update``: on both, different (``changes``: the JSON pointers that differ).
- ``unchanged``: on both, the same: nothing will be sent (AVIV: "if nothing has changed, send nothing").
- ``withdraw``: on AVIV, not in the feed, with ``withdraw_missing=True``; ``kept`` without it
  (left alone). A second classified AVIV lists under an offererEstateId already seen is treated
  the same way.

The decisions are a generator of effects (:func:`plan_flow`, shared by :func:`plan_sync` and
:func:`plan_sync_async`); :func:`build_plan` is the comparison alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from aviv_caas_auth.apis import api_of_package
from aviv_caas_auth.sync.compare import changes, normalised
from aviv_caas_auth.sync.feed import Listing, offerer_estate_id_of, read_feed
from aviv_caas_auth.sync.shape import Shape, shape_of
from aviv_caas_auth.workflows.effects import Flow, Runner
from aviv_caas_auth.workflows.endpoints import Endpoints
from aviv_caas_auth.workflows.pages import Pager, every_item
from aviv_caas_auth.workflows.polling import PollPolicy

if TYPE_CHECKING:
    from aviv_caas_auth.budget.protocol import RateBudget
    from aviv_caas_auth.workflows.publish import AvivClassified

ActionKind = Literal["create", "update", "unchanged", "withdraw", "kept"]
KINDS: tuple[ActionKind, ...] = ("create", "update", "unchanged", "withdraw", "kept")
WRITES: frozenset[ActionKind] = frozenset({"create", "update", "withdraw"})
"""The actions that send something."""


@dataclass(frozen=True)
class SyncAction:
    """What the plan does with one listing.

    Attributes:
        kind: ``create``, ``update``, ``unchanged``, ``withdraw`` or ``kept``.
        offerer_estate_id: the listing's key.
        classified_id: AVIV's classified (None for a create).
        changes: for an update, the JSON pointers (RFC 6901) that differ, in document order.
        index: its position in the feed (None when it is only on AVIV).
        desired: the classified's JSON as it will be sent (None when it is only on AVIV).
        current: AVIV's classified as compared (normalised; None for a create).

    """

    kind: ActionKind
    offerer_estate_id: str
    classified_id: UUID | None = None
    changes: tuple[str, ...] = ()
    index: int | None = None
    desired: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    current: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def sends(self) -> bool:
        """Whether applying it sends a write."""
        return self.kind in WRITES

    def to_dict(self) -> dict[str, Any]:
        """The action as JSON (without the documents)."""
        return {
            "action": self.kind,
            "offererEstateId": self.offerer_estate_id,
            "classifiedId": str(self.classified_id) if self.classified_id else None,
            "changes": list(self.changes),
            "index": self.index,
        }


@dataclass(frozen=True)
class SyncPlan:
    """Every action of a sync, the feed's listings first (in feed order), then those only on AVIV.

    Attributes:
        actions: one per listing.
        package: the generated package (API version) of the client that read AVIV: apply it with
            a client of the same one.
        inventory: how many classifieds AVIV listed for the offerer.
        requests: how many list requests reading them took.
        withdraw_missing: whether classifieds missing from the feed are to be withdrawn.

    """

    actions: tuple[SyncAction, ...]
    package: str
    inventory: int
    requests: int
    withdraw_missing: bool = False

    @property
    def api(self) -> str:
        """The API version planned for (``v3``, ``v4``)."""
        return api_of_package(self.package) or self.package

    def of(self, kind: ActionKind) -> tuple[SyncAction, ...]:
        """The actions of one kind."""
        return tuple(action for action in self.actions if action.kind == kind)

    @property
    def counts(self) -> dict[ActionKind, int]:
        """How many actions of each kind (every kind listed)."""
        counts = dict.fromkeys(KINDS, 0)
        for action in self.actions:
            counts[action.kind] += 1
        return counts

    @property
    def writes(self) -> int:
        """How many listings applying it writes (creates, updates, withdrawals)."""
        return sum(1 for action in self.actions if action.sends)

    @property
    def listings(self) -> int:
        """How many listings the feed had."""
        return sum(1 for action in self.actions if action.index is not None)

    def summary(self) -> str:
        """One line: what the plan does."""
        counts = self.counts
        parts = [
            f"{counts['create']} to create",
            f"{counts['update']} to update",
            f"{counts['unchanged']} unchanged",
            f"{counts['withdraw']} to withdraw",
        ]
        if counts["kept"]:
            parts.append(f"{counts['kept']} only on AVIV, kept (withdraw_missing is off)")
        return (
            f"{self.listings} listings: {', '.join(parts)} "
            f"(AVIV had {self.inventory}, read in {self.requests} requests, {self.api})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON."""
        return {
            "api": self.api,
            "inventory": self.inventory,
            "requests": self.requests,
            "withdrawMissing": self.withdraw_missing,
            "counts": dict(self.counts),
            "actions": [action.to_dict() for action in self.actions],
        }


def classified_shape(endpoints: Endpoints) -> Shape:
    """The request shape of a classified in the client's own spec (its ``create_classified`` body)."""
    return shape_of(endpoints.package, endpoints.body_model("create_classified").__name__)


def read_current(page_size: int | None) -> Flow[tuple[list[Any], int]]:
    """Every classified AVIV lists for the offerer (typed items), and how many requests it took."""
    pager = Pager(page_size)
    items = yield from every_item("get_classifieds", pager)
    return items, pager.pages


def build_plan(
    listings: Sequence[Listing],
    items: Iterable[Any],
    *,
    shape: Shape,
    package: str,
    requests: int,
    withdraw_missing: bool,
) -> SyncPlan:
    """The plan for ``listings`` against AVIV's ``items`` (see the module's docstring). No I/O."""
    current: dict[str, tuple[UUID, Any]] = {}
    extra: list[tuple[str, UUID, Any]] = []
    inventory = 0
    for item in items:
        inventory += 1
        document = normalised(item.to_dict(), shape, prune=True)
        key = offerer_estate_id_of(document) or ""
        classified_id = UUID(str(item.classified_id))
        if key in current or not key:
            extra.append((key, classified_id, document))
        else:
            current[key] = (classified_id, document)
    actions: list[SyncAction] = []
    for listing in listings:
        found = current.pop(listing.offerer_estate_id, None)
        if found is None:
            actions.append(
                SyncAction("create", listing.offerer_estate_id, None, (), listing.index, listing.document)
            )
            continue
        classified_id, theirs = found
        differ = tuple(changes(normalised(listing.document, shape, prune=False), theirs, shape))
        kind: ActionKind = "update" if differ else "unchanged"
        actions.append(
            SyncAction(
                kind,
                listing.offerer_estate_id,
                classified_id,
                differ,
                listing.index,
                listing.document,
                theirs,
            )
        )
    gone: ActionKind = "withdraw" if withdraw_missing else "kept"
    for key, (classified_id, theirs) in current.items():
        actions.append(SyncAction(gone, key, classified_id, current=theirs))
    for key, classified_id, theirs in extra:
        actions.append(SyncAction(gone, key, classified_id, current=theirs))
    return SyncPlan(tuple(actions), package, inventory, requests, withdraw_missing)


def plan_flow(
    endpoints: Endpoints, listings: Sequence[Listing], *, page_size: int | None, withdraw_missing: bool
) -> Flow[SyncPlan]:
    """Read AVIV's classifieds, then compare (as effects)."""
    shape = classified_shape(endpoints)
    items, requests = yield from read_current(page_size)
    return build_plan(
        listings,
        items,
        shape=shape,
        package=endpoints.package,
        requests=requests,
        withdraw_missing=withdraw_missing,
    )


def _start(
    runner: Runner,
    desired: Iterable[AvivClassified | Mapping[str, Any]],
    page_size: int | None,
    withdraw: bool,
) -> Flow[SyncPlan]:
    if not isinstance(withdraw, bool):
        raise TypeError(f"withdraw_missing must be True or False, not {withdraw!r}")
    Pager(page_size)  # checks page_size before anything is read
    listings = read_feed(runner.endpoints, desired)
    return plan_flow(runner.endpoints, listings, page_size=page_size, withdraw_missing=withdraw)


def plan_sync(
    client: Any,
    desired: Iterable[AvivClassified | Mapping[str, Any]],
    *,
    withdraw_missing: bool = False,
    page_size: int | None = None,
    poll: PollPolicy | None = None,
    rate_budget: RateBudget | None = None,
) -> SyncPlan:
    """The plan making AVIV hold exactly ``desired`` for the client's offerer (see the module's docstring).

    ``desired``: the agency's listings, models of the client's version or their JSON as dicts.
    Raises :class:`~aviv_caas_auth.sync.errors.FeedError` (naming the listing) for a feed that
    cannot be synced, and the typed ``ApiError`` of a list request that failed. ``rate_budget``: the
    list requests spend it instead of the client's own (as ``apply_sync``'s).
    """
    runner = Runner(client, poll=poll, budget=rate_budget)
    return runner.run(_start(runner, desired, page_size, withdraw_missing))


async def plan_sync_async(
    client: Any,
    desired: Iterable[AvivClassified | Mapping[str, Any]],
    *,
    withdraw_missing: bool = False,
    page_size: int | None = None,
    poll: PollPolicy | None = None,
    rate_budget: RateBudget | None = None,
) -> SyncPlan:
    """Async :func:`plan_sync`."""
    runner = Runner(client, poll=poll, budget=rate_budget)
    return await runner.arun(_start(runner, desired, page_size, withdraw_missing))
