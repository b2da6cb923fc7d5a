"""The body of the agency-sync task, without Celery: load the feed, plan against AVIV, apply, summarise.

Safe to run again at any point, any number of times, concurrently with itself: the plan is made
against AVIV's current state (``plan_sync``), so what an earlier run did is ``unchanged``, and a
create that reached AVIV unseen meets Duplicated Classified and becomes an update — never a second
classified. That is what makes a re-delivered message (a worker lost mid-task) or a retry converge.

Outcomes:

- a report (:class:`AgencyReport`, JSON): every listing's outcome counted, the failed ones named;
- :class:`RetryLater`: AVIV or the way to it said "not now" — a 429 (``Retry-After``), the shared
  budget paused or full past the call's wait (``needed``), a 5xx, the network, the token endpoint,
  Redis — for the plan, or for some listings of the apply. Its ``countdown`` honours what AVIV
  asked for; a task retries then (re-planning: the listings already done are ``unchanged``).
- a failed report (``ok: false``, ``error``) for what a retry would not change: the feed loader
  failed, the feed is invalid (``FeedError``), the withdrawal guard refused, the credentials were
  refused. Listings AVIV refused (``ValidationError``...) are failed listings of an ok-to-report run.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Final, TypedDict

from aviv_caas_auth.budget.errors import RateBudgetError, RateBudgetTimeoutError
from aviv_caas_auth.errors import (
    ApiTransportError,
    CaasError,
    TokenConnectionError,
    TokenServerError,
    TokenTimeoutError,
)
from aviv_caas_auth.problems.errors import RateLimitedError, ServerError

if TYPE_CHECKING:
    from aviv_caas_auth.celery.resources import ProcessResources
    from aviv_caas_auth.sync.report import SyncReport

RETRYABLE: Final = (
    RateLimitedError,
    RateBudgetError,
    ServerError,
    ApiTransportError,
    TokenServerError,
    TokenConnectionError,
    TokenTimeoutError,
)
"""What a later run may not meet: AVIV's 429 and 5xx, the network, the token endpoint, the budget's Redis."""

MAX_FAILED_LISTED: Final = 50
"""Failed listings named in a report (the counts have them all)."""


class FailedListing(TypedDict):
    """One listing that failed: its key, what the plan said, and the typed error (class: message)."""

    offererEstateId: str
    action: str
    error: str


class AgencyReport(TypedDict):
    """What one agency's sync came to, as JSON (a Celery result, a chord's part).

    ``counts``: listings per outcome (created, updated, withdrawn, unchanged, kept, failed) of the
    last run, None when it did not get as far as applying; ``sent``: the writes of every run of
    this task (retries included); ``error``: why the agency failed as a whole (None: it did not);
    ``attempts``: runs of this task (1 + retries); ``redelivered``: the broker delivered the
    message again (a worker was lost while it held it).
    """

    intermediaryId: str
    feedRef: str | None
    api: str
    ok: bool
    counts: dict[str, int] | None
    sent: dict[str, int]
    failed: list[FailedListing]
    error: str | None
    attempts: int
    redelivered: bool
    planRequests: int


class RetryLater(Exception):
    """Sync the agency again in ``countdown`` seconds; ``cause``: why; ``partial``: this run's report."""

    def __init__(self, countdown: float, cause: BaseException, partial: AgencyReport) -> None:
        super().__init__(f"retry in {countdown:.1f} s: {type(cause).__name__}: {cause}")
        self.countdown = countdown
        self.cause = cause
        self.partial = partial


def sync_agency(
    resources: ProcessResources,
    intermediary_id: str,
    feed_ref: str | None = None,
    *,
    withdraw_missing: bool | None = None,
    force: bool = False,
    attempt: int = 0,
    sent: dict[str, int] | None = None,
    redelivered: bool = False,
) -> AgencyReport:
    """Sync one agency (see the module's docstring); raises :class:`RetryLater` when a retry is due.

    ``attempt``: the retries before this run (the backoff grows with it); ``sent``: the writes of
    the earlier runs, carried over into the report.
    """
    from aviv_caas_auth.sync import apply_sync, plan_sync

    settings = resources.settings
    report = _report(intermediary_id, feed_ref, settings.api, attempt, sent or {}, redelivered)
    if not isinstance(intermediary_id, str) or not intermediary_id:
        return _failed(report, "the task needs the agency's intermediary_id (a non-empty string)")
    try:
        listings = settings.load_feed(intermediary_id, feed_ref)
    except Exception as error:  # noqa: BLE001 - the application's loader: its failure is the agency's
        return _failed(report, f"the feed loader failed: {type(error).__name__}: {error}")
    withdraw = settings.withdraw_missing if withdraw_missing is None else withdraw_missing
    try:
        client = resources.client(intermediary_id)
        plan = plan_sync(client, listings, withdraw_missing=withdraw)
        report["planRequests"] = plan.requests
        applied = apply_sync(client, plan, force=force, **settings.apply_options)
    except RETRYABLE as error:
        raise RetryLater(retry_wait(error, attempt, settings.backoff_max), error, report) from error
    except CaasError as error:
        return _failed(report, f"{type(error).__name__}: {error}")
    _summarise(report, applied)
    again = [result.error for result in applied.failed if isinstance(result.error, RETRYABLE)]
    if again:
        wait = max(retry_wait(error, attempt, settings.backoff_max) for error in again)
        raise RetryLater(wait, again[0], report)
    return report


def retry_wait(error: BaseException, attempt: int, backoff_max: float) -> float:
    """Seconds before the next run: what AVIV (or the budget) asked for, else an exponential backoff.

    A 429's ``Retry-After`` and a budget's ``needed`` are honoured, plus up to 10 % so that the
    agencies held by one pause do not all come back at the same instant. Other errors wait
    ``2 ** attempt`` seconds at most (full jitter), never more than ``backoff_max``.
    """
    asked: float | None = None
    if isinstance(error, RateBudgetTimeoutError):
        asked = error.needed
    elif isinstance(error, RateLimitedError | TokenServerError):
        asked = error.retry_after
    if asked is not None and asked > 0:
        return asked * (1 + 0.1 * random.random())  # noqa: S311 - spreading retries, not a secret
    return min(backoff_max, 2.0**attempt) * random.random()  # noqa: S311 - as above


def _report(
    intermediary_id: str,
    feed_ref: str | None,
    api: str,
    attempt: int,
    sent: dict[str, int],
    redelivered: bool,
) -> AgencyReport:
    return AgencyReport(
        intermediaryId=intermediary_id,
        feedRef=feed_ref,
        api=api,
        ok=False,
        counts=None,
        sent={outcome: int(sent.get(outcome, 0)) for outcome in ("created", "updated", "withdrawn")},
        failed=[],
        error=None,
        attempts=attempt + 1,
        redelivered=redelivered,
        planRequests=0,
    )


def _failed(report: AgencyReport, error: str) -> AgencyReport:
    report["ok"] = False
    report["error"] = error
    return report


def _summarise(report: AgencyReport, applied: SyncReport[Any]) -> None:
    counts: dict[str, int] = {str(outcome): count for outcome, count in applied.counts.items()}
    report["counts"] = counts
    for outcome in ("created", "updated", "withdrawn"):
        report["sent"][outcome] += counts.get(outcome, 0)
    report["failed"] = [
        FailedListing(
            offererEstateId=result.offerer_estate_id,
            action=result.action.kind,
            error=f"{type(result.error).__name__}: {result.error}",
        )
        for result in applied.failed[:MAX_FAILED_LISTED]
    ]
    report["ok"] = applied.ok
