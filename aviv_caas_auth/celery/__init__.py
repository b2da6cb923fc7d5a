"""Sync thousands of agencies on Celery workers: one token per agency, one AVIV rate budget, nothing lost.

    pip install '/path/to/aviv_caas-<version>-py3-none-any.whl[celery]'   # the celery extra (not on PyPI)

    from celery import Celery
    from aviv_caas_auth.celery import AgencySync, SyncSettings

    app = Celery("crm", broker="redis://redis:6379/0", backend="redis://redis:6379/1")
    agencies = AgencySync(app, SyncSettings(
        feed_loader="myapp.feeds:load_feed",     # (intermediary_id, feed_ref) -> listings
        redis_url="redis://redis:6379/2",        # tokens and the shared rate budget
        rate="20/second",                        # AVIV's limit for your client id
        user_agent="MyCRM/2.4.1",
    ))

    agencies.sync_agency.delay("agency-42", "2024-06-01")          # one agency
    agencies.sync_agencies({"agency-1": "2024-06-01", ...}).get()  # many: a chord of reports

One concept per module:

- :mod:`~aviv_caas_auth.celery.settings` — what the workers are configured with (the feed loader
  and credentials provider, by function or dotted path: task messages carry only the agency's
  ``intermediary_id`` and a ``feed_ref``, never a secret or a feed).
- :mod:`~aviv_caas_auth.celery.resources` — per worker process, built after the fork: the Redis
  token store, the Redis rate budget, a client per agency.
- :mod:`~aviv_caas_auth.celery.body` — the task's body without Celery: load, plan against AVIV,
  apply, report; safe to run again (re-delivery, retries), it converges.
- :mod:`~aviv_caas_auth.celery.tasks` — ``AgencySync``: the task (``acks_late``,
  ``reject_on_worker_lost``, retries honouring ``Retry-After``) and the fan-out (a chord).
- :mod:`~aviv_caas_auth.celery.example` — a runnable worker module (JSON feed files).
"""

from __future__ import annotations

from aviv_caas_auth.budget.errors import extra_missing

try:
    import celery as _celery  # noqa: F401 - checks the extra is installed
except ModuleNotFoundError as missing:  # the celery extra is not installed: say so
    raise extra_missing(missing, "aviv_caas_auth.celery", "celery") from None

from aviv_caas_auth.celery.body import AgencyReport, FailedListing, RetryLater, retry_wait, sync_agency
from aviv_caas_auth.celery.resources import PerProcess, ProcessResources
from aviv_caas_auth.celery.settings import CredentialsProvider, FeedLoader, SyncSettings, credentials_from_env
from aviv_caas_auth.celery.tasks import AgencySync, FleetReport, collect

__all__ = [
    "AgencyReport",
    "AgencySync",
    "CredentialsProvider",
    "FailedListing",
    "FeedLoader",
    "FleetReport",
    "PerProcess",
    "ProcessResources",
    "RetryLater",
    "SyncSettings",
    "collect",
    "credentials_from_env",
    "retry_wait",
    "sync_agency",
]
