"""Migrate an agency from CaaS v3 to v4 as a sync: every v3 classified becomes its v4 self, media inline.

    migration = migrate_to_v4(client_v3, client_v4, dry_run=True)    # read only: the plan
    print(migration.plan.summary())              # '50 listings: 0 to create, 50 to update, ...'
    migration = migrate_to_v4(client_v3, client_v4)                   # the v4 updates, then their statuses

AVIV's runbook: stop the agency's v3 calls, then send a v4 update of each of its active
classifieds (AVIV checks every one got one, with the same number of media), then AVIV revokes its
v3 access. This reads the agency's classifieds through v3 (``GET /classifieds``) and each one's
media (``GET /classifieds/{id}/media``: one request per classified), and builds its v4 body:

- the classified as v3 has it, keeping what v4's ``AvivClassified`` declares (``classifiedId``
  and v3-only members dropped; both read from the specs);
- ``media``: its v3 media in display order (``displayOrder``, then the order v3 lists them), each
  keeping what v4's ``Media`` declares (``url``, ``mediaType``, ``category``, ``tags``, ``title``:
  v4's order *is* the display order). A classified with no media gets ``media: []``, so that it too
  gets its v4 update.

Then it is a sync on v4 (:mod:`~aviv_caas_auth.sync.plan`, :mod:`~aviv_caas_auth.sync.apply`),
never withdrawing anything. A classified that already has inline media on v4 (a v4 write sent
them) keeps them as they are: v3 no longer describes its media, and re-sending v3's would drop
v4's. A classified v4 cannot take (a value v4's spec does not list, e.g. the portals ``LR`` and
``LI``) is not migrated: it is listed in ``skipped`` with the reason (it stays on v3).
``resend_unchanged=True`` sends an update even for classifieds whose v4 view already equals their
conversion (for an AVIV that shows v3 media inline through v4).

Re-running converges: a second run plans every migrated classified ``unchanged``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.sync.apply import Progress, apply_sync, apply_sync_async
from aviv_caas_auth.sync.compare import normalised, resolve, unlisted
from aviv_caas_auth.sync.errors import FeedError
from aviv_caas_auth.sync.feed import Listing, offerer_estate_id_of, read_listing
from aviv_caas_auth.sync.plan import SyncPlan, build_plan, classified_shape, read_current
from aviv_caas_auth.sync.report import SyncReport
from aviv_caas_auth.sync.shape import Shape, shape_of
from aviv_caas_auth.workflows.effects import Flow, Runner
from aviv_caas_auth.workflows.pages import Pager, every_item
from aviv_caas_auth.workflows.polling import PollPolicy

if TYPE_CHECKING:
    import aviv_caas_client_v4.models as v4
    from aviv_caas_auth.apis import ClientV3, ClientV4
    from aviv_caas_auth.budget.protocol import RateBudget

StatusT = TypeVar("StatusT", covariant=True)
MEDIA = "media"


@dataclass(frozen=True)
class Migration(Generic[StatusT]):
    """What a migration planned, did (None on a dry run), and could not migrate."""

    plan: SyncPlan
    report: SyncReport[StatusT] | None
    skipped: tuple[FeedError, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The migration as JSON."""
        return {
            "plan": self.plan.to_dict(),
            "report": self.report.to_dict() if self.report is not None else None,
            "skipped": [
                {"index": error.index, "offererEstateId": error.offerer_estate_id, "reason": error.reason}
                for error in self.skipped
            ],
        }


def _display_order(item: tuple[int, Mapping[str, Any]]) -> tuple[float, int]:
    position, media = item
    order = media.get("displayOrder")
    if isinstance(order, int | float) and not isinstance(order, bool):
        return (float(order), position)
    return (float("inf"), position)


def v4_body(
    classified: Mapping[str, Any], media: Sequence[Mapping[str, Any]], *, package: str
) -> dict[str, Any]:
    """The v4 JSON of a v3 classified's JSON and its v3 media's JSON (see the module's docstring)."""
    classified_shape_v4 = shape_of(package, "AvivClassified")
    media_shape = shape_of(package, "Media")
    body = dict(normalised(classified, classified_shape_v4, prune=True))
    ordered = [item for _, item in sorted(enumerate(media), key=_display_order)]
    body[MEDIA] = [normalised(item, media_shape, prune=True) for item in ordered]
    return body


def read_v3_flow(page_size: int | None) -> Flow[list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """Every v3 classified's JSON with its media's JSON (effects of the v3 runner)."""
    items = yield from every_item("get_classifieds", Pager(page_size))
    found = []
    for item in items:
        media = yield from every_item("get_media", Pager(), UUID(str(item.classified_id)))
        found.append((item.to_dict(), [entry.to_dict() for entry in media]))
    return found


def migration_plan(
    runner_v4: Runner,
    v3_classifieds: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    *,
    page_size: int | None,
    resend_unchanged: bool,
) -> Flow[tuple[SyncPlan, tuple[FeedError, ...]]]:
    """Read v4's state, convert the v3 classifieds, and plan (effects of the v4 runner)."""
    endpoints = runner_v4.endpoints
    shape: Shape = classified_shape(endpoints)
    items, requests = yield from read_current(page_size)
    on_v4 = {}
    for item in items:
        document = item.to_dict()
        if isinstance(document.get(MEDIA), list):
            on_v4[offerer_estate_id_of(document)] = document
    listings: list[Listing] = []
    skipped: list[FeedError] = []
    for index, (classified, media) in enumerate(v3_classifieds):
        key = offerer_estate_id_of(classified)
        body = on_v4.get(key) or v4_body(classified, media, package=endpoints.package)
        body = normalised(body, shape, prune=True)
        refused = unlisted(body, shape)
        if refused:
            values = ", ".join(f"{pointer} = {resolve(body, pointer)}" for pointer in refused)
            reason = (
                f"v4 does not list {values}: keep it on v3 (v4 has no such value), or change it in v3 first"
            )
            skipped.append(FeedError(index, reason, key))
            continue
        try:
            listings.append(read_listing(endpoints, index, body))
        except FeedError as error:
            skipped.append(error)
    plan = build_plan(
        listings, items, shape=shape, package=endpoints.package, requests=requests, withdraw_missing=False
    )
    if resend_unchanged:
        resent = tuple(
            dataclasses.replace(action, kind="update") if action.kind == "unchanged" else action
            for action in plan.actions
        )
        plan = dataclasses.replace(plan, actions=resent)
    return plan, tuple(skipped)


def _check(client_v3: Any, client_v4: Any) -> None:
    from aviv_caas_auth.workflows.endpoints import endpoints_of

    for client, api in ((client_v3, "v3"), (client_v4, "v4")):
        if endpoints_of(client).package != PACKAGES.get(api):  # type: ignore[call-overload]
            raise ConfigurationError(
                f"migrate_to_v4 takes a {api} client as its {'first' if api == 'v3' else 'second'} argument "
                f"(create_client(..., api={api!r})), not one of {endpoints_of(client).package}"
            )


def migrate_to_v4(
    client_v3: ClientV3,
    client_v4: ClientV4,
    *,
    dry_run: bool = False,
    resend_unchanged: bool = False,
    page_size: int | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
    poll: PollPolicy | None = None,
    rate_budget: RateBudget | None = None,
    **apply_options: Any,
) -> Migration[v4.ClassifiedStatusInternal]:
    """Migrate the agency of ``client_v3`` to v4 through ``client_v4`` (see the module's docstring).

    ``apply_options`` go to :func:`~aviv_caas_auth.sync.apply.apply_sync` (``wait``, ``timeout``,
    ``max_writes``, ``media_errors``); ``rate_budget`` is spent by every request, reads included.
    """
    _check(client_v3, client_v4)
    runner_v3 = Runner(client_v3, poll=poll, budget=rate_budget)
    runner_v4 = Runner(client_v4, poll=poll, budget=rate_budget)
    classifieds = runner_v3.run(read_v3_flow(page_size))
    plan, skipped = runner_v4.run(
        migration_plan(runner_v4, classifieds, page_size=page_size, resend_unchanged=resend_unchanged)
    )
    if dry_run:
        return Migration(plan, None, skipped)
    report = apply_sync(
        client_v4,
        plan,
        concurrency=concurrency,
        progress=progress,
        poll=poll,
        rate_budget=rate_budget,
        **apply_options,
    )
    return Migration(plan, report, skipped)


async def migrate_to_v4_async(
    client_v3: ClientV3,
    client_v4: ClientV4,
    *,
    dry_run: bool = False,
    resend_unchanged: bool = False,
    page_size: int | None = None,
    concurrency: int = 8,
    progress: Callable[[Any], object] | None = None,
    poll: PollPolicy | None = None,
    rate_budget: RateBudget | None = None,
    **apply_options: Any,
) -> Migration[v4.ClassifiedStatusInternal]:
    """Async :func:`migrate_to_v4`."""
    _check(client_v3, client_v4)
    runner_v3 = Runner(client_v3, poll=poll, budget=rate_budget)
    runner_v4 = Runner(client_v4, poll=poll, budget=rate_budget)
    classifieds = await runner_v3.arun(read_v3_flow(page_size))
    plan, skipped = await runner_v4.arun(
        migration_plan(runner_v4, classifieds, page_size=page_size, resend_unchanged=resend_unchanged)
    )
    if dry_run:
        return Migration(plan, None, skipped)
    report = await apply_sync_async(
        client_v4,
        plan,
        concurrency=concurrency,
        progress=progress,
        poll=poll,
        rate_budget=rate_budget,
        **apply_options,
    )
    return Migration(plan, report, skipped)
