"""`make demo`: publish, follow, update and withdraw a Paris apartment through the typed client.

By default it runs against the embedded local sandbox (aviv_caas_auth.sandbox) on a free loopback
port, with its public demo credentials — no AVIV account, no network. With AVIV_CLIENT_ID,
AVIV_CLIENT_SECRET, AVIV_INTERMEDIARY_ID set and AVIV_ENVIRONMENT=sandbox, the same steps run
against AVIV's real sandbox instead.

The first half is synchronous, the second asynchronous; both go through one `create_client`
client, and so through one cached token. Publishing, waiting for statuses and listing go through
the workflows (aviv_caas_auth.workflows): publish (an upsert by offererEstateId), publish_many,
iter_classifieds. It ends with the token-reuse report and exits 0 only
when every step worked and the run was compliant.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from aviv_caas_auth import CaasCredentials, CaasError, create_client, token_provider_of, unwrap
from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale
from aviv_caas_auth.workflows import PollPolicy, PublishResult, iter_classifieds, publish, publish_many
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import delete_classified, get_classified
from aviv_caas_client.api.media import attach_media_to_classified
from aviv_caas_client.api.status import get_classified_statuses
from aviv_caas_client.models import AvivClassified, Media
from aviv_caas_client.types import Response, Unset

USER_AGENT = "aviv-caas-demo/0.1.0"
T = TypeVar("T")


def apartment(offerer_estate_id: str, *, price: int = 845000) -> AvivClassified:
    """The sample Paris apartment (aviv_caas_auth.sandbox.samples) as the typed request model."""
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    body["data"]["prices"]["buy"]["price"]["amount"] = price
    return AvivClassified.from_dict(body)


class Steps:
    """Prints one line per step: what, HTTP status (for single calls), details, traceparent."""

    def __init__(self) -> None:
        self.count = 0

    def show(self, title: str, response: Response[Any] | None, details: str) -> None:
        """Print a step (a workflow step has no single response: no status nor traceparent)."""
        self.count += 1
        status = str(int(response.status_code)) if response is not None else "   "
        print(f"  {self.count}. {title:<34} {status}  {details}")
        if response is not None:
            print(f"     {'':<34}      traceparent {response.headers.get('traceparent', '-')}")


def required(value: T | Unset, what: str) -> T:
    """A member the spec marks optional but the demo needs."""
    if isinstance(value, Unset):
        raise RuntimeError(f"the answer has no {what}")
    return value


def run_sync(client: AuthenticatedClient, steps: Steps, run_id: str, poll: PollPolicy) -> uuid.UUID:
    """Publish (create, then update by offererEstateId) and follow the classified (synchronous half)."""
    created = publish.sync(client, apartment(f"demo-{run_id}-1"), poll=poll)
    status = required(created.status, "status") if created.status else None
    steps.show(
        "publish: created (sync)", None, f"classifiedId {created.classified_id}, {status and status.status}"
    )

    history = get_classified_statuses.sync_detailed(created.classified_id, client=client)
    seen = [str(item.status) for item in unwrap(history).items]
    steps.show("its statuses until CREATED", history, " -> ".join(seen))
    if "CREATED" not in seen:
        raise RuntimeError(f"the classified did not reach CREATED (statuses: {seen})")

    updated = publish.sync(client, apartment(f"demo-{run_id}-1", price=829000), poll=poll)
    if updated.action != "updated" or updated.classified_id != created.classified_id:
        raise RuntimeError(f"publishing the same offererEstateId again did not update it: {updated}")
    final = updated.status.status if updated.status else "-"
    steps.show("publish again: updated (If-Match)", None, f"845000 -> 829000 EUR, {final}")

    read = get_classified.sync_detailed(created.classified_id, client=client)
    price = unwrap(read).data.prices.buy.price.amount  # type: ignore[union-attr]
    steps.show("read it with its ETag", read, f"ETag {read.headers['ETag']}, price {price:g} EUR")
    return created.classified_id


async def run_async(
    client: AuthenticatedClient, steps: Steps, run_id: str, classified_id: uuid.UUID, poll: PollPolicy
) -> None:
    """Attach media, publish more, list with pagination, withdraw (asynchronous half)."""
    picture = living_room_picture()
    picture["url"] = picture["url"].replace("ref-75011-0042", f"demo-{run_id}")
    media = Media.from_dict(picture)
    attached = await attach_media_to_classified.asyncio_detailed(classified_id, client=client, body=media)
    steps.show(
        "attach a media (async)", attached, f"mediaId {required(unwrap(attached).media_id, 'mediaId')}"
    )

    outcomes = await publish_many.asyncio(
        client, [apartment(f"demo-{run_id}-{n}") for n in (2, 3)], concurrency=2, poll=poll
    )
    results = [o for o in outcomes if isinstance(o, PublishResult)]
    if len(results) != len(outcomes):
        raise RuntimeError(f"publish_many failed: {outcomes}")
    ids = [classified_id, *(r.classified_id for r in results)]
    steps.show(
        "publish_many: two more",
        None,
        ", ".join(f"{r.action} {r.status and r.status.status}" for r in results),
    )

    listed = [item.classified_id async for item in iter_classifieds.asyncio(client, page_size=1)]
    ours = sorted({str(i) for i in listed} & {str(i) for i in ids})
    steps.show("iter_classifieds, 1 per page", None, f"{len(listed)} listed, ours {len(ours)}/{len(ids)}")
    if len(ours) != len(ids) or len(set(listed)) != len(listed):
        raise RuntimeError("pagination did not return every classified once")

    deleted = await asyncio.gather(*(delete_classified.asyncio_detailed(i, client=client) for i in ids))
    for response in deleted:
        unwrap(response)
    steps.show("delete them (async)", deleted[0], f"{len(deleted)} classifieds withdrawn")


@contextlib.contextmanager
def target() -> Iterator[
    tuple[str, Callable[[], AuthenticatedClient], Callable[[], tuple[bool, str]], float]
]:
    """The API to talk to: AVIV's real sandbox when asked for, else the embedded local sandbox."""
    if os.environ.get("AVIV_ENVIRONMENT") == "sandbox":
        creds = CaasCredentials.from_env()
        client_factory = lambda: create_client(creds, environment="sandbox", user_agent=USER_AGENT)  # noqa: E731

        def client_side_report() -> tuple[bool, str]:
            return True, "(report by AVIV's review; this process counted its own token requests above)"

        yield (
            "AVIV's sandbox (https://api.aviv-group.com/sandbox/caas/v3)",
            client_factory,
            client_side_report,
            300.0,
        )
        return
    from aviv_caas_auth.sandbox import Sandbox, SandboxConfig

    with Sandbox.start(SandboxConfig(status_step=0.2)) as sandbox:
        c = sandbox.credentials
        creds = CaasCredentials(c.client_id, c.client_secret, c.intermediary_id)

        def local_client() -> AuthenticatedClient:
            return create_client(
                creds,
                environment="sandbox",
                user_agent=USER_AGENT,
                base_url=sandbox.base_url,
                token_url=sandbox.token_url,
            )

        def local_report() -> tuple[bool, str]:
            report = sandbox.report()
            return report.compliant, report.summary()

        yield (
            f"the local sandbox at {sandbox.url} (AVIV sandbox environment)",
            local_client,
            local_report,
            30.0,
        )


def main() -> int:
    """Run the demo; 0 when every step worked and token reuse was compliant."""
    run_id = uuid.uuid4().hex[:8]
    with target() as (where, make_client, report, _status_timeout):
        print(f"aviv-caas demo against {where}")
        steps = Steps()
        client = make_client()
        try:
            poll = PollPolicy(first=0.1, max_interval=2.0)
            classified_id = run_sync(client, steps, run_id, poll)
            asyncio.run(run_async(client, steps, run_id, classified_id, poll))
        except (CaasError, RuntimeError) as exc:
            print(f"demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        requests = token_provider_of(client).token_requests
        compliant, summary = report()
        print(f"token requests made by this process: {requests}")
        print(f"token-reuse report: {summary}")
        return 0 if compliant and requests == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
