"""Apply a sync plan: send only what it says, each listing on its own, and report every one.

    report = apply_sync(client, plan, concurrency=8, progress=print)
    report.summary()      # '200 listings: 7 updated, 190 unchanged, 3 withdrawn, 0 failed'

- ``create``: a :mod:`~aviv_caas_auth.workflows.publish` (an upsert by offererEstateId: a listing
  created by a run that crashed before it could tell, or by another CRM instance, is met as
  Duplicated Classified and updated, never created twice).
- ``update``: the plan knows the classifiedId, so no POST: ``GET`` (for its ETag and latest
  status revision), then one ``PUT`` with ``If-Match`` (a 412 reads again and retries; a
  classified deleted meanwhile is created again).
- ``withdraw``: one ``DELETE`` (a classified already gone counts as withdrawn).
- ``unchanged`` and ``kept``: nothing is sent.

With ``wait`` (the default) each write is followed to its final status
(:mod:`~aviv_caas_auth.workflows.wait_for_status`). At most ``concurrency`` listings are in flight;
a 429 slows the whole apply (a shared gate); one listing failing never stops the others: its
result carries its typed error. ``progress(SyncProgress(done, total, result))`` after each write.
``rate_budget`` (:mod:`aviv_caas_auth.budget`): every call of the apply spends it instead of the
client's own, so applies in other processes and hosts sharing it (``RedisRateBudget``) keep to
AVIV's rate together, and a 429 pauses all of them. Every listing is counted once in the
``aviv_caas.sync.actions`` counter (:func:`aviv_caas_auth.telemetry.record_sync_action`: its
action, ``ok`` or its error's class, the API version): a no-op without an OpenTelemetry SDK.
Before anything is sent, the withdrawals pass the mass-withdrawal guard
(:mod:`~aviv_caas_auth.sync.guard`), and the plan must be for the client's API version.

Re-running after a crash converges: plan again (AVIV's state, not a cache), apply again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload
from uuid import UUID

from aviv_caas_auth import telemetry
from aviv_caas_auth.errors import CaasError, ConfigurationError
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.problems.errors import NotFoundError
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.sync.guard import DEFAULT_GUARD, WithdrawalGuard
from aviv_caas_auth.sync.plan import SyncAction, SyncPlan
from aviv_caas_auth.sync.report import ListingResult, SyncProgress, SyncReport
from aviv_caas_auth.workflows import batch
from aviv_caas_auth.workflows.effects import Call, Flow, Runner
from aviv_caas_auth.workflows.media import MediaErrors
from aviv_caas_auth.workflows.polling import PollPolicy, timeout_seconds
from aviv_caas_auth.workflows.publish import MAX_WRITES, Prepared, start
from aviv_caas_auth.workflows.wait_for_status import DEFAULT_TIMEOUT, wait_flow

if TYPE_CHECKING:
    import aviv_caas_client.models as v3
    import aviv_caas_client_v4.models as v4
    from aviv_caas_auth.apis import ClientV3, ClientV4
    from aviv_caas_auth.budget.protocol import RateBudget

WITHDRAWN = frozenset({"DELETED"})

Progress = Callable[[SyncProgress[Any]], object]


def withdraw_flow(classified_id: UUID, *, wait: bool, timeout: float, poll: PollPolicy) -> Flow[Any]:
    """``DELETE`` the classified, then (``wait``) its ``DELETED`` status; None if it was already gone.

    The transport repeats a DELETE on 429, 5xx and lost connections (it is idempotent).
    """
    deadline = Deadline.after(timeout, poll.clock)
    yield deadline  # the runner makes every call and wait within it
    try:
        unwrap((yield Call("delete_classified", (classified_id,))))
    except NotFoundError:
        return None
    if not wait:
        return None
    return (
        yield from wait_flow(classified_id, timeout=timeout, poll=poll, deadline=deadline, final=WITHDRAWN)
    )


class _Apply:
    """One apply: the options, the results, the progress. Thread-safe."""

    def __init__(self, runner: Runner, plan: SyncPlan, progress: Progress | None, **options: Any) -> None:
        if not isinstance(plan, SyncPlan):
            raise TypeError(f"apply_sync takes the SyncPlan plan_sync made, not {type(plan).__name__}")
        if plan.package != runner.endpoints.package:
            raise ConfigurationError(
                f"this plan was made for {plan.api} ({plan.package}); apply it with a client of that "
                f"version, not one of {runner.endpoints.package}"
            )
        self.runner = runner
        self.plan = plan
        self.progress = progress
        self.options = options  # wait, timeout, max_writes, media_errors: publish.start's
        start(runner, Prepared(None, "-"), **options)  # checks the options before anything is sent
        timeout_seconds(options["timeout"])
        self.results: list[ListingResult[Any]] = [
            ListingResult(action, "unchanged" if action.kind == "unchanged" else "kept", action.classified_id)
            for action in plan.actions
        ]
        self.lanes = [[index] for index, action in enumerate(plan.actions) if action.sends]
        self._done = 0
        self._lock = threading.Lock()

    def flow(self, index: int) -> Flow[ListingResult[Any]]:
        """What listing ``index`` sends, as effects."""
        action = self.plan.actions[index]
        if action.kind == "withdraw":
            assert action.classified_id is not None
            status = yield from withdraw_flow(
                action.classified_id,
                wait=self.options["wait"],
                timeout=float(self.options["timeout"]),
                poll=self.runner.poll,
            )
            return ListingResult(action, "withdrawn", action.classified_id, status)
        result = yield from start(
            self.runner, action.desired or {}, classified_id=action.classified_id, **self.options
        )
        return ListingResult(action, result.action, result.classified_id, result.status)

    def finish(self, index: int, outcome: ListingResult[Any] | CaasError | None) -> None:
        """Record listing ``index``'s result (its typed error when it failed) and report progress."""
        action: SyncAction = self.plan.actions[index]
        if isinstance(outcome, CaasError):
            outcome = ListingResult(action, "failed", action.classified_id, None, outcome)
        assert outcome is not None
        with self._lock:
            self.results[index] = outcome
            self._done += 1
            report = SyncProgress(self._done, len(self.lanes), outcome)
        record(outcome, self.plan.api)
        batch.report_progress(self.progress, report, f"apply_sync ({action.offerer_estate_id})")

    def record_unsent(self) -> None:
        """Count the listings that send nothing (``unchanged``, ``kept``) in the sync-actions counter."""
        for result in self.results:
            if not result.action.sends:
                record(result, self.plan.api)

    def report(self) -> SyncReport[Any]:
        """The results, in the plan's order."""
        return SyncReport(self.plan, tuple(self.results))


@overload
def apply_sync(
    client: ClientV3,
    plan: SyncPlan,
    *,
    concurrency: int = ...,
    progress: Progress | None = ...,
    force: bool = ...,
    guard: WithdrawalGuard = ...,
    wait: bool = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    rate_budget: RateBudget | None = ...,
) -> SyncReport[v3.ClassifiedStatusInternal]: ...


@overload
def apply_sync(
    client: ClientV4,
    plan: SyncPlan,
    *,
    concurrency: int = ...,
    progress: Progress | None = ...,
    force: bool = ...,
    guard: WithdrawalGuard = ...,
    wait: bool = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    rate_budget: RateBudget | None = ...,
) -> SyncReport[v4.ClassifiedStatusInternal]: ...


def apply_sync(
    client: Any,
    plan: SyncPlan,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    force: bool = False,
    guard: WithdrawalGuard = DEFAULT_GUARD,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
    rate_budget: RateBudget | None = None,
) -> SyncReport[Any]:
    """Send what ``plan`` says, ``concurrency`` listings at a time in threads (see the module's docstring).

    Raises :class:`~aviv_caas_auth.sync.errors.WithdrawalRefusedError` (nothing sent) when the
    guard refuses the withdrawals; every other failure is one listing's result.
    """
    runner = Runner(client, poll=poll, budget=rate_budget)
    apply = _prepare(
        runner, plan, progress, concurrency, force, guard, wait, timeout, max_writes, media_errors
    )
    batch.run(runner, apply.lanes, apply.flow, apply.finish, concurrency)
    return apply.report()


@overload
async def apply_sync_async(
    client: ClientV3,
    plan: SyncPlan,
    *,
    concurrency: int = ...,
    progress: Progress | None = ...,
    force: bool = ...,
    guard: WithdrawalGuard = ...,
    wait: bool = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    rate_budget: RateBudget | None = ...,
) -> SyncReport[v3.ClassifiedStatusInternal]: ...


@overload
async def apply_sync_async(
    client: ClientV4,
    plan: SyncPlan,
    *,
    concurrency: int = ...,
    progress: Progress | None = ...,
    force: bool = ...,
    guard: WithdrawalGuard = ...,
    wait: bool = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    rate_budget: RateBudget | None = ...,
) -> SyncReport[v4.ClassifiedStatusInternal]: ...


async def apply_sync_async(
    client: Any,
    plan: SyncPlan,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    force: bool = False,
    guard: WithdrawalGuard = DEFAULT_GUARD,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
    rate_budget: RateBudget | None = None,
) -> SyncReport[Any]:
    """Async :func:`apply_sync`: ``concurrency`` tasks at a time (asyncio or trio, through anyio)."""
    runner = Runner(client, poll=poll, budget=rate_budget)
    apply = _prepare(
        runner, plan, progress, concurrency, force, guard, wait, timeout, max_writes, media_errors
    )
    await batch.arun(runner, apply.lanes, apply.flow, apply.finish, concurrency)
    return apply.report()


def _prepare(
    runner: Runner,
    plan: SyncPlan,
    progress: Progress | None,
    concurrency: int,
    force: bool,
    guard: WithdrawalGuard,
    wait: bool,
    timeout: float,
    max_writes: int,
    media_errors: MediaErrors,
) -> _Apply:
    """Check everything, the guard last; nothing has been sent when it raises."""
    batch.check_concurrency(concurrency)
    if not isinstance(guard, WithdrawalGuard):
        raise TypeError(f"guard must be a WithdrawalGuard, not {type(guard).__name__}")
    apply = _Apply(
        runner, plan, progress, wait=wait, timeout=timeout, max_writes=max_writes, media_errors=media_errors
    )
    guard.check(plan, force=force)
    apply.record_unsent()
    return apply


def record(result: ListingResult[Any], api: str) -> None:
    """Count ``result`` in the ``aviv_caas.sync.actions`` counter (see :mod:`aviv_caas_auth.telemetry`)."""
    outcome = "ok" if result.error is None else type(result.error).__name__
    telemetry.record_sync_action(result.action.kind, outcome, api=api)
