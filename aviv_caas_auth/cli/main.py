"""The ``aviv-caas`` commands: check, list, status, sync, migrate-to-v4 (see ``aviv-caas --help``).

Exit codes: :mod:`~aviv_caas_auth.cli.exits`. Every command reads the credentials from the
environment (:mod:`~aviv_caas_auth.cli.settings`), talks to AVIV (or a local sandbox) through
the library's clients and workflows, and prints text, or JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aviv_caas_auth.cli import exits
from aviv_caas_auth.cli.output import Output
from aviv_caas_auth.cli.settings import DEFAULT_USER_AGENT, Settings, Shared

F = TypeVar("F", bound=Callable[..., Any])


class Failed(click.exceptions.Exit):
    """A command ended with a non-zero code after printing what happened."""


def _settings(context: click.Context) -> Settings:
    settings = context.find_object(Settings)
    assert settings is not None
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--api", type=click.Choice(["v3", "v4"]), default="v3", show_default=True, help="CaaS version.")
@click.option(
    "--environment",
    type=click.Choice(["production", "sandbox"]),
    envvar="AVIV_ENVIRONMENT",
    default="production",
    show_default=True,
    help="AVIV's environment (or $AVIV_ENVIRONMENT).",
)
@click.option(
    "--sandbox-local",
    "sandbox_local",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[URL]",
    help="Run against a local sandbox server at URL (python -m aviv_caas_auth.sandbox), or without URL "
    "one started for this command; demo credentials unless AVIV_CLIENT_ID is set.",
)
@click.option("--intermediary-id", help="The agency, instead of $AVIV_INTERMEDIARY_ID.")
@click.option(
    "--user-agent",
    envvar="AVIV_USER_AGENT",
    default=DEFAULT_USER_AGENT,
    show_default=True,
    help="Your CRM/version.",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds per request."
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document instead of text.")
@click.version_option(package_name="aviv-caas")
@click.pass_context
def cli(
    context: click.Context,
    api: Any,
    environment: Any,
    sandbox_local: str | None,
    intermediary_id: str | None,
    user_agent: str,
    timeout: float,
    json_output: bool,
) -> None:
    """Keep an agency's listings on AVIV (CaaS v3/v4) identical to your CRM's.

    Credentials: AVIV_CLIENT_ID, AVIV_CLIENT_SECRET, AVIV_INTERMEDIARY_ID. Exit codes: 0 ok, 1 some
    listings failed, 2 usage, 3 configuration or credentials, 4 refused by the withdrawal guard,
    5 AVIV unreachable, 6 bad feed.
    """
    context.obj = Settings(api, environment, sandbox_local, intermediary_id, user_agent, timeout, json_output)


@cli.command()
@click.pass_context
def check(context: click.Context) -> None:
    """Check the credentials: get a token, list one classified, say where (one attempt per request)."""
    from aviv_caas_auth.factory import token_provider_of
    from aviv_caas_auth.problems.unwrap import unwrap
    from aviv_caas_auth.workflows.endpoints import endpoints_of

    settings, out = _settings(context), Output(json_output=_settings(context).json)
    credentials = settings.credentials()
    with settings.clients(retries=False) as (client,):
        provider = token_provider_of(client)
        token = provider.get_token()
        page = unwrap(endpoints_of(client).module("get_classifieds").sync_detailed(client=client, limit=1))
        facts = {
            "ok": True,
            "api": settings.api,
            "environment": "sandbox" if settings.sandbox_local is not None else settings.environment,
            "audience": provider.endpoints.audience,
            "baseUrl": str(client.get_httpx_client().base_url).rstrip("/"),
            "tokenUrl": provider.endpoints.token_url,
            "clientId": credentials.client_id,
            "intermediaryId": credentials.intermediary_id,
            "tokenExpiresIn": round(token.expires_in),
            "classifiedsListed": len(page.items),
        }
    out.document(facts)
    out.text(f"ok: credentials valid, token obtained (expires in {facts['tokenExpiresIn']} s)")
    for name in ("api", "environment", "audience", "baseUrl", "clientId", "intermediaryId"):
        out.text(f"  {name + ':':<16}{facts[name]}")


@cli.command(name="list")
@click.option(
    "--page-size", type=click.IntRange(min=1), default=None, help="Classifieds per request (AVIV: 250)."
)
@click.pass_context
def list_(context: click.Context, page_size: int | None) -> None:
    """List the agency's classifieds: classifiedId, offererEstateId, portals."""
    from aviv_caas_auth.workflows import iter_classifieds

    settings, out = _settings(context), Output(json_output=_settings(context).json)
    rows = []
    with settings.clients() as (client,):
        for item in iter_classifieds.sync(client, page_size=page_size):
            source = item.data.meta_data.source
            rows.append(
                {
                    "classifiedId": str(item.classified_id),
                    "offererEstateId": source.offerer_estate_id,
                    "portals": [str(portal) for portal in item.portals],
                }
            )
    out.document({"count": len(rows), "items": rows})
    for row in rows:
        out.text(f"{row['classifiedId']}  {row['offererEstateId']}  {','.join(row['portals'])}")
    out.text(f"{len(rows)} classifieds")


@cli.command()
@click.argument("classified_id", type=click.UUID)
@click.pass_context
def status(context: click.Context, classified_id: Any) -> None:
    """The latest status of a classified."""
    from aviv_caas_auth.problems.unwrap import unwrap
    from aviv_caas_auth.workflows.endpoints import endpoints_of
    from aviv_caas_auth.workflows.media import media_failures
    from aviv_caas_auth.workflows.wait_for_status import latest_status

    settings, out = _settings(context), Output(json_output=_settings(context).json)
    with settings.clients() as (client,):
        endpoint = endpoints_of(client).module("get_classified_statuses")
        statuses = unwrap(endpoint.sync_detailed(str(classified_id), client=client, filter_="latest"))
    latest = latest_status(statuses.items)
    if latest is None:
        out.document({"classifiedId": str(classified_id), "status": None})
        out.text(f"{classified_id}: no status yet")
        return
    body = latest.to_dict()
    out.document({"classifiedId": str(classified_id), **body})
    out.text(
        f"{classified_id}: {body.get('status')} ({body.get('statusDate')}) {body.get('message', '')}".rstrip()
    )
    for failure in media_failures(latest):
        out.text(f"  media {failure}")


def _load_feed(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise exits.FeedFileError(f"cannot read the feed {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise exits.FeedFileError(f"the feed {path} is not JSON: {error}") from error
    if not isinstance(document, list):
        raise exits.FeedFileError(
            f"the feed {path} must be a JSON array of classifieds (the JSON bodies of AvivClassified), "
            f"not a JSON {type(document).__name__}"
        )
    return document


def _apply_options(concurrency: int, wait: bool) -> dict[str, Any]:
    return {"concurrency": concurrency, "wait": wait}


def write_options(function: F) -> F:
    """The options of the commands that write."""
    function = click.option(
        "--rate",
        envvar="AVIV_CAAS_RATE",
        help="AVIV's request rate for the client id (20 or '20/second'): shared through --redis-url, "
        "else for this command only (or $AVIV_CAAS_RATE).",
    )(function)
    function = click.option(
        "--redis-url",
        envvar="AVIV_CAAS_REDIS_URL",
        help="Share tokens (RedisTokenStore) and the --rate budget with your workers through this Redis "
        "(or $AVIV_CAAS_REDIS_URL).",
    )(function)
    function = click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True)(
        function
    )
    function = click.option(
        "--no-wait", "no_wait", is_flag=True, help="Do not follow each write to its final status."
    )(function)
    return click.option("--dry-run", is_flag=True, help="Print the plan (a diff) and send nothing.")(function)


@cli.command()
@click.argument("feed", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--withdraw-missing", is_flag=True, help="Withdraw the classifieds the feed no longer lists.")
@click.option("--force", is_flag=True, help="Withdraw more than the guard allows (never for an empty feed).")
@write_options
@click.pass_context
def sync(
    context: click.Context,
    feed: Path,
    withdraw_missing: bool,
    force: bool,
    dry_run: bool,
    no_wait: bool,
    concurrency: int,
    redis_url: str | None,
    rate: str | None,
) -> None:
    """Make AVIV hold exactly the listings of FEED (a JSON array of classifieds)."""
    from aviv_caas_auth.sync import WithdrawalGuard, apply_sync, plan_sync, render_plan
    from aviv_caas_auth.sync.plan import classified_shape
    from aviv_caas_auth.workflows.endpoints import endpoints_of

    settings, out = _settings(context), Output(json_output=_settings(context).json)
    listings = _load_feed(feed)
    with settings.clients(shared=Shared(redis_url, rate)) as (client,):
        plan = plan_sync(client, listings, withdraw_missing=withdraw_missing)
        if dry_run:
            out.document({"dryRun": True, "plan": plan.to_dict()})
            out.text(render_plan(plan, shape=classified_shape(endpoints_of(client))))
            WithdrawalGuard().check(plan, force=force)  # a refusal ahead is exit 4, as the real run
            return
        with out.progress("sync", plan.writes) as step:
            report = apply_sync(
                client, plan, force=force, progress=step, **_apply_options(concurrency, not no_wait)
            )
    out.document({"dryRun": False, "plan": plan.to_dict(), "report": report.to_dict()})
    out.text(plan.summary())
    for result in report.failed:
        out.text(f"failed {result.offerer_estate_id}: {type(result.error).__name__}: {result.error}")
    out.text(report.summary())
    if not report.ok:
        raise Failed(exits.FAILED)


@cli.command(name="migrate-to-v4")
@click.option(
    "--resend-unchanged", is_flag=True, help="Send a v4 update even where v4 already shows the same."
)
@write_options
@click.pass_context
def migrate_to_v4(
    context: click.Context,
    resend_unchanged: bool,
    dry_run: bool,
    no_wait: bool,
    concurrency: int,
    redis_url: str | None,
    rate: str | None,
) -> None:
    """Migrate the agency from v3 to v4: a v4 update of each classified, media inline."""
    from aviv_caas_auth.sync import migrate_to_v4 as migrate
    from aviv_caas_auth.sync import render_plan

    settings, out = _settings(context), Output(json_output=_settings(context).json)
    with settings.clients("v3", "v4", shared=Shared(redis_url, rate)) as (client_v3, client_v4):
        if dry_run:
            migration = migrate(client_v3, client_v4, dry_run=True, resend_unchanged=resend_unchanged)
        else:
            with out.progress("migrate", 0) as step:
                migration = migrate(
                    client_v3,
                    client_v4,
                    resend_unchanged=resend_unchanged,
                    progress=step,
                    **_apply_options(concurrency, not no_wait),
                )
    out.document({"dryRun": dry_run, **migration.to_dict()})
    if dry_run:
        out.text(render_plan(migration.plan))
    else:
        out.text(migration.plan.summary())
    for skipped in migration.skipped:
        out.text(f"not migrated: {skipped}")
    report = migration.report
    if report is not None:
        for result in report.failed:
            out.text(f"failed {result.offerer_estate_id}: {type(result.error).__name__}: {result.error}")
        out.text(report.summary())
    if migration.skipped or (report is not None and not report.ok):
        raise Failed(exits.FAILED)


def optional_values(argv: list[str]) -> list[str]:
    """``argv`` with ``--sandbox-local`` not followed by a URL spelt ``--sandbox-local=`` (no value).

    click would take the next word (the command) as its value.
    """
    fixed = list(argv)
    for index, word in enumerate(fixed):
        following = fixed[index + 1] if index + 1 < len(fixed) else ""
        if word == "--sandbox-local" and "://" not in following:
            fixed[index] = "--sandbox-local="
    return fixed


def run(argv: list[str] | None = None) -> None:
    """The console script: run a command, turn any error into one line and its exit code."""
    argv = optional_values(sys.argv[1:] if argv is None else argv)
    try:
        code = cli.main(args=argv, prog_name="aviv-caas", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.ClickException as error:
        error.show()
        code = exits.USAGE if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Abort:
        Output(json_output=False).error("aborted")
        code = 130
    except Exception as error:  # noqa: BLE001 - every error is one line and an exit code, never a traceback
        Output(json_output=False).error(_message(error))
        code = exits.code_of(error)
    sys.exit(code if isinstance(code, int) else exits.OK)


def _message(error: BaseException) -> str:
    from aviv_caas_auth.errors import CaasError

    if isinstance(error, CaasError | ValueError):
        return str(error) or type(error).__name__
    return f"{type(error).__name__}: {error} (an unexpected error: please report it)"
