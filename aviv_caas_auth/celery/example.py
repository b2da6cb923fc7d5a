"""An example worker module: agencies synced from JSON feed files, configured by environment variables.

Start Redis, a worker, and a run (README, "Running at scale", has the whole walk-through)::

    redis-server --port 6379 --save '' --appendonly no
    AVIV_CAAS_FEED_DIR=feeds celery -A aviv_caas_auth.celery.example worker --concurrency 2 --loglevel INFO
    AVIV_CAAS_FEED_DIR=feeds python -m aviv_caas_auth.celery.example agency-1 agency-2=export-2.json

A run sends one task per agency (``INTERMEDIARY_ID`` syncs ``<feed dir>/INTERMEDIARY_ID.json``,
``INTERMEDIARY_ID=FILE`` syncs ``<feed dir>/FILE``; ``--all``: every ``*.json`` of the feed dir),
waits for the chord and prints the :class:`~aviv_caas_auth.celery.tasks.FleetReport` as JSON
(exit 0 when every agency is ok, 1 otherwise). The message carries the file name only; the
worker reads the file and the credentials itself.

Environment (every variable optional but the credentials against AVIV):

- ``AVIV_CLIENT_ID``, ``AVIV_CLIENT_SECRET``: the client the workers act as (each task names its
  agency, so ``AVIV_INTERMEDIARY_ID`` is not needed); ``AVIV_ENVIRONMENT`` (production, sandbox),
  ``AVIV_CAAS_API`` (v3, v4), ``AVIV_USER_AGENT`` (your CRM/version).
- ``AVIV_CAAS_BROKER_URL`` (``redis://127.0.0.1:6379/0``), ``AVIV_CAAS_RESULT_URL`` (db 1),
  ``AVIV_CAAS_REDIS_URL`` (db 2: tokens and the rate budget).
- ``AVIV_CAAS_RATE``: AVIV's rate for the client id (``20/second``), shared by every worker.
- ``AVIV_CAAS_FEED_DIR``: the feed files (``feeds``).
- ``AVIV_CAAS_VISIBILITY_TIMEOUT``: seconds after which a message a lost worker held is delivered
  again (3600); longer than your longest agency sync, or a slow task runs twice (safely).
- ``AVIV_CAAS_WITHDRAW_MISSING=1``: withdraw what a feed no longer lists (the guard applies);
  ``AVIV_CAAS_WAIT=0``: do not follow each write to its final status.
- ``AVIV_CAAS_SANDBOX_URL``: a local sandbox (``python -m aviv_caas_auth.sandbox --port 8080
  --rate-limit 20``) instead of AVIV, with its demo credentials unless ``AVIV_CLIENT_ID`` is set.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from celery import Celery

from aviv_caas_auth.celery.settings import SyncSettings, credentials_from_env
from aviv_caas_auth.celery.tasks import AgencySync
from aviv_caas_auth.credentials import ENV_CLIENT_ID, CaasCredentials
from aviv_caas_auth.errors import ConfigurationError


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def feed_dir() -> Path:
    """Where the feed files are (``AVIV_CAAS_FEED_DIR``)."""
    return Path(_env("AVIV_CAAS_FEED_DIR", "feeds"))


def load_feed(intermediary_id: str, feed_ref: str | None) -> list[Any]:
    """The JSON array in ``<feed dir>/<feed_ref>`` (default ``<intermediary_id>.json``)."""
    name = feed_ref or f"{intermediary_id}.json"
    if Path(name).name != name or name.startswith("."):
        raise ConfigurationError(f"a feed_ref is a file name in the feed directory, not {name!r}")
    document = json.loads((feed_dir() / name).read_text(encoding="utf-8"))
    if not isinstance(document, list):
        raise ConfigurationError(f"the feed {name} must be a JSON array of classifieds")
    return document


def credentials_for(intermediary_id: str) -> CaasCredentials:
    """The worker's credentials (environment), or the local sandbox's demo ones, for the agency."""
    if os.environ.get("AVIV_CAAS_SANDBOX_URL") and not os.environ.get(ENV_CLIENT_ID):
        from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS

        return DEMO_CREDENTIALS.for_intermediary(intermediary_id)
    return credentials_from_env(intermediary_id)


def settings_from_env() -> SyncSettings:
    """The :class:`SyncSettings` the environment describes (see the module's docstring)."""
    api: Any = _env("AVIV_CAAS_API", "v3")
    environment: Any = _env("AVIV_ENVIRONMENT", "production")
    client_options: dict[str, Any] = {}
    sandbox = os.environ.get("AVIV_CAAS_SANDBOX_URL", "").rstrip("/")
    if sandbox:
        environment = "sandbox"
        client_options = {"base_url": f"{sandbox}/sandbox/caas/{api}", "token_url": f"{sandbox}/oauth/token"}
    rate: str | int = _env("AVIV_CAAS_RATE", "20/second")
    return SyncSettings(
        feed_loader=load_feed,
        credentials=credentials_for,
        redis_url=_env("AVIV_CAAS_REDIS_URL", "redis://127.0.0.1:6379/2"),
        rate=int(rate) if isinstance(rate, str) and rate.isdigit() else rate,
        user_agent=_env("AVIV_USER_AGENT", "aviv-caas-celery-example/1.0"),
        api=api,
        environment=environment,
        client_options=client_options,
        withdraw_missing=_env("AVIV_CAAS_WITHDRAW_MISSING", "0") == "1",
        apply_options={"wait": _env("AVIV_CAAS_WAIT", "1") == "1"},
    )


app = Celery(
    "aviv_caas_example",
    broker=_env("AVIV_CAAS_BROKER_URL", "redis://127.0.0.1:6379/0"),
    backend=_env("AVIV_CAAS_RESULT_URL", "redis://127.0.0.1:6379/1"),
)
_visibility = float(_env("AVIV_CAAS_VISIBILITY_TIMEOUT", "3600"))
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,  # long tasks, acknowledged late: hold one waiting message per process
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": _visibility,
        # look for messages of lost workers often enough for the visibility timeout
        "unacked_restore_interval": max(1, min(10, int(_visibility / 4))),
        "unacked_restore_throttle": 1,
    },
    result_expires=86400,
)
agencies = AgencySync(app, settings_from_env())


def main(argv: list[str] | None = None) -> int:
    """Send one sync per agency named, wait for them all, print the fleet's report (JSON)."""
    words = sys.argv[1:] if argv is None else argv
    if not words or words in (["-h"], ["--help"]):
        print(__doc__)
        return 2
    if words == ["--all"]:
        pairs: list[tuple[str, str | None]] = [
            (path.stem, path.name) for path in sorted(feed_dir().glob("*.json"))
        ]
    else:
        pairs = [(word.split("=", 1)[0], word.split("=", 1)[1] if "=" in word else None) for word in words]
    timeout = float(_env("AVIV_CAAS_RUN_TIMEOUT", "3600"))
    fleet = agencies.sync_agencies(pairs).get(timeout=timeout)
    print(json.dumps(fleet, indent=2))
    return 0 if fleet["ok"] == fleet["agencies"] else 1


if __name__ == "__main__":
    sys.exit(main())
