"""AgencySync: the agency-sync task and its fan-out, registered on the application's Celery app.

    app = Celery("crm", broker="redis://redis:6379/0", backend="redis://redis:6379/1")
    agencies = AgencySync(app, SyncSettings(feed_loader="myapp.feeds:load_feed",
                                            redis_url="redis://redis:6379/2", rate="20/second",
                                            user_agent="MyCRM/2.4.1"))
    agencies.sync_agency.delay("agency-42", "exports/2024-06-01/agency-42.json")
    agencies.sync_agencies({"agency-1": "ref-1", "agency-2": "ref-2"}).get()   # every report

The task (``<namespace>.sync_agency``):

- ``acks_late=True`` and ``reject_on_worker_lost=True``: the message is acknowledged when the
  task has ended, so a worker lost mid-task (killed, out of memory, its host gone) does not lose
  it: the broker delivers it again (a prefork child lost: at once; the whole worker: after the
  broker's visibility timeout, Redis: ``broker_transport_options={"visibility_timeout": ...}``).
  Running it again is safe (:mod:`aviv_caas_auth.celery.body`: it re-plans against AVIV).
- retries on 429 (``RateLimitedError``), the shared budget's ``RateBudgetTimeoutError`` /
  ``RateBudgetUnavailableError``, 5xx, network and token-endpoint failures, with the countdown
  AVIV asked for (``Retry-After``; the budget's ``needed``), else an exponential backoff; after
  ``SyncSettings.max_retries`` it returns a failed report instead of raising, so that a fan-out
  always collects every agency's report.
- returns an :class:`~aviv_caas_auth.celery.body.AgencyReport` (JSON).

Tokens come from a ``RedisTokenStore`` and the rate from a ``RedisRateBudget``, one of each per
worker process (:mod:`aviv_caas_auth.celery.resources`), built on ``worker_process_init``
(after the fork) and checked there (a Redis that cannot be reached is logged at once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypedDict

from celery import Celery, Task, chord, group
from celery.result import AsyncResult
from celery.signals import worker_process_init, worker_process_shutdown

from aviv_caas_auth.celery.body import AgencyReport, RetryLater, sync_agency
from aviv_caas_auth.celery.resources import PerProcess, ProcessResources
from aviv_caas_auth.celery.settings import SyncSettings
from aviv_caas_auth.errors import CaasError, ConfigurationError

_log = logging.getLogger("aviv_caas_auth.celery")

DEFAULT_NAMESPACE: Final = "aviv_caas"
OUTCOMES: Final = ("created", "updated", "withdrawn", "unchanged", "kept", "failed")


class FleetReport(TypedDict):
    """What a fan-out came to: every agency's report, and the totals (JSON)."""

    agencies: int
    ok: int
    failedAgencies: list[str]
    counts: dict[str, int]
    reports: list[AgencyReport]


def collect(reports: Iterable[AgencyReport]) -> FleetReport:
    """The fleet's totals from the agencies' reports (what the fan-out's chord callback returns)."""
    listed = list(reports)
    counts = dict.fromkeys(OUTCOMES, 0)
    for report in listed:
        for outcome, count in (report.get("counts") or {}).items():
            counts[outcome] = counts.get(outcome, 0) + int(count)
    return FleetReport(
        agencies=len(listed),
        ok=sum(1 for report in listed if report.get("ok")),
        failedAgencies=[str(report.get("intermediaryId")) for report in listed if not report.get("ok")],
        counts=counts,
        reports=listed,
    )


class AgencySync:
    """The agency-sync task and the fan-out's collector, registered on ``app`` (see the module's docstring).

    ``namespace`` prefixes the task names (``aviv_caas.sync_agency``, ``aviv_caas.collect_reports``);
    ``task_options`` go to ``app.task`` (e.g. ``queue``, ``time_limit``, ``rate_limit`` — Celery's
    own is per worker: AVIV's rate is the settings' shared budget).
    """

    def __init__(
        self,
        app: Celery,
        settings: SyncSettings,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        **task_options: Any,
    ) -> None:
        if not isinstance(settings, SyncSettings):
            raise ConfigurationError(f"AgencySync takes SyncSettings, not {type(settings).__name__}")
        self.app = app
        self.settings = settings
        self._resources = PerProcess(settings)
        sync = self._run

        def run_sync_agency(
            task: Task[Any, AgencyReport],
            intermediary_id: str,
            feed_ref: str | None = None,
            withdraw_missing: bool | None = None,
            force: bool = False,
            sent: dict[str, int] | None = None,
        ) -> AgencyReport:
            return sync(task, intermediary_id, feed_ref, withdraw_missing, force, sent)

        run_sync_agency.__doc__ = "Sync one agency's feed (aviv_caas_auth.celery): plan against AVIV, apply."
        options: dict[str, Any] = {
            "name": f"{namespace}.sync_agency",
            "bind": True,
            "acks_late": True,
            "reject_on_worker_lost": True,
            "max_retries": settings.max_retries,
            **task_options,
        }
        register: Any = app.task(**options)  # the stubs type only literal keyword arguments
        self.sync_agency: Task[Any, AgencyReport] = register(run_sync_agency)

        def collect_reports(reports: list[AgencyReport]) -> FleetReport:
            return collect(reports)

        collect_reports.__doc__ = "The fan-out's callback: every agency's report and the totals."
        self.collect_reports: Task[Any, FleetReport] = app.task(
            name=f"{namespace}.collect_reports", acks_late=True, reject_on_worker_lost=True
        )(collect_reports)
        worker_process_init.connect(self._process_started, weak=False)
        worker_process_shutdown.connect(self._process_ending, weak=False)

    def __repr__(self) -> str:
        return f"<AgencySync {self.sync_agency.name} {self.settings!r}>"

    def resources(self) -> ProcessResources:
        """The current worker process's token store, budget and clients (built after the fork)."""
        return self._resources.get()

    def sync_agencies(
        self,
        agencies: Mapping[str, str | None] | Iterable[tuple[str, str | None]],
        *,
        withdraw_missing: bool | None = None,
        force: bool = False,
    ) -> AsyncResult[FleetReport]:
        """Sync every agency (``{intermediary_id: feed_ref}``) in parallel: a chord, whose result collects.

        ``.get()`` on the result gives a :class:`FleetReport` once every agency's task has ended
        (retries included). It needs a result backend (``Celery(..., backend=...)``).
        """
        pairs = list(agencies.items() if isinstance(agencies, Mapping) else agencies)
        if not pairs:
            raise ConfigurationError("sync_agencies needs at least one (intermediary_id, feed_ref)")
        header = group(
            self.sync_agency.s(intermediary_id, feed_ref, withdraw_missing=withdraw_missing, force=force)
            for intermediary_id, feed_ref in pairs
        )
        return chord(header)(self.collect_reports.s())

    # -- the task --------------------------------------------------------------------------------

    def _run(
        self,
        task: Task[Any, AgencyReport],
        intermediary_id: str,
        feed_ref: str | None,
        withdraw_missing: bool | None,
        force: bool,
        sent: dict[str, int] | None,
    ) -> AgencyReport:
        request = task.request
        retries = int(request.retries or 0)
        delivery = request.delivery_info or {}
        try:
            return sync_agency(
                self.resources(),
                intermediary_id,
                feed_ref,
                withdraw_missing=withdraw_missing,
                force=force,
                attempt=retries,
                sent=sent,
                redelivered=bool(delivery.get("redelivered")),
            )
        except RetryLater as later:
            partial = later.partial
            if retries >= self.settings.max_retries:
                partial["ok"] = False
                partial["error"] = (
                    f"gave up after {retries} retries: {type(later.cause).__name__}: {later.cause}"
                )
                return partial
            _log.info("agency %s: %s", intermediary_id, later)
            kwargs = {
                "feed_ref": feed_ref,
                "withdraw_missing": withdraw_missing,
                "force": force,
                "sent": partial["sent"],
            }
            raise task.retry(args=(intermediary_id,), kwargs=kwargs, countdown=later.countdown) from None

    # -- worker process lifetime --------------------------------------------------------------

    def _process_started(self, **_signal: Any) -> None:
        """A worker process (a prefork child) started: build its resources and check Redis."""
        try:
            budget = self.resources().budget
            if budget is not None:
                budget.check()
        except CaasError as error:
            _log.error("agency sync: the shared Redis is not usable yet (tasks will retry): %s", error)

    def _process_ending(self, **_signal: Any) -> None:
        self._resources.close()
