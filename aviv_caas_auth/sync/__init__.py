"""Keep an agency's whole inventory on AVIV identical to the CRM's: plan, apply, migrate v3 → v4.

    from aviv_caas_auth import apply_sync, plan_sync

    plan = plan_sync(client, listings, withdraw_missing=True)   # reads AVIV (list endpoint only)
    print(render_plan(plan))                                     # the dry run: what would be sent
    report = apply_sync(client, plan, concurrency=8)             # sends only that
    report.summary(), report.failed                              # every listing's outcome

One concept per module:

- :mod:`~aviv_caas_auth.sync.feed` — the desired listings, checked (FeedError naming the listing).
- :mod:`~aviv_caas_auth.sync.shape`, :mod:`~aviv_caas_auth.sync.compare` — what is compared
  (the request schema's members; sets sorted) and the JSON pointers that differ.
- :mod:`~aviv_caas_auth.sync.plan` — one action per listing: create, update, unchanged,
  withdraw (or kept).
- :mod:`~aviv_caas_auth.sync.guard` — the mass-withdrawal guard.
- :mod:`~aviv_caas_auth.sync.apply`, :mod:`~aviv_caas_auth.sync.report` — sending it, and what
  came of each listing.
- :mod:`~aviv_caas_auth.sync.render` — the plan as a readable diff.
- :mod:`~aviv_caas_auth.sync.migrate` — v3 → v4 as a sync, media inline.

Sync and async alike (``plan_sync_async``, ``apply_sync_async``, ``migrate_to_v4_async``): the
decisions are effect generators driven by the workflows' runners
(:mod:`~aviv_caas_auth.workflows.effects`), and the writes are the workflows' own (``publish``).
"""

from aviv_caas_auth.sync.apply import apply_sync, apply_sync_async
from aviv_caas_auth.sync.errors import DuplicateListingError, FeedError, WithdrawalRefusedError
from aviv_caas_auth.sync.guard import WithdrawalGuard
from aviv_caas_auth.sync.migrate import Migration, migrate_to_v4, migrate_to_v4_async
from aviv_caas_auth.sync.plan import ActionKind, SyncAction, SyncPlan, plan_sync, plan_sync_async
from aviv_caas_auth.sync.render import render_plan
from aviv_caas_auth.sync.report import ListingOutcome, ListingResult, SyncProgress, SyncReport

__all__ = [
    "ActionKind",
    "DuplicateListingError",
    "FeedError",
    "ListingOutcome",
    "ListingResult",
    "Migration",
    "SyncAction",
    "SyncPlan",
    "SyncProgress",
    "SyncReport",
    "WithdrawalGuard",
    "WithdrawalRefusedError",
    "apply_sync",
    "apply_sync_async",
    "migrate_to_v4",
    "migrate_to_v4_async",
    "plan_sync",
    "plan_sync_async",
    "render_plan",
]
