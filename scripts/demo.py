"""`make demo`: publish, follow, update and withdraw a Paris apartment through CaaS v3, then v4.

    python -m scripts.demo [--api v3|v4]      # make demo [API=v4]

By default it runs against the embedded local sandbox (aviv_caas_auth.sandbox) on a free loopback
port, with its public demo credentials — no AVIV account, no network. With AVIV_CLIENT_ID,
AVIV_CLIENT_SECRET, AVIV_INTERMEDIARY_ID set and AVIV_ENVIRONMENT=sandbox, the same steps run
against AVIV's real sandbox instead.

Each version is one `create_client(api=...)` client, and so one cached token per version: the
same credentials, two audiences. Its first half is synchronous, the second asynchronous.
Publishing, waiting for statuses and listing go through the workflows
(aviv_caas_auth.workflows): publish (an upsert by offererEstateId), publish_many,
iter_classifieds; the single calls through the version's own generated endpoints. v3 attaches a
picture through its media endpoint; v4 sends the pictures inside the classified and reads what
AVIV did with them in the final status (mediaStatuses), including a picture AVIV cannot download.
Each version ends with its token-reuse verdict, the run with the report of both; it exits 0 only
when every step worked and every verdict is compliant.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aviv_caas_auth import (
    ApiVersion,
    CaasCredentials,
    CaasError,
    create_client,
    token_provider_of,
    unwrap,
)
from aviv_caas_auth.apis import PACKAGES, base_urls
from aviv_caas_auth.sandbox.samples import (
    living_room_picture,
    paris_apartment_for_sale,
    paris_apartment_pictures,
)
from aviv_caas_auth.workflows import PollPolicy, PublishResult, iter_classifieds, publish, publish_many
from aviv_caas_auth.workflows.endpoints import Endpoints, endpoints_of
from aviv_caas_auth.workflows.media import media_statuses

USER_AGENT = "aviv-caas-demo/0.1.0"
# A host under the reserved .invalid domain (RFC 2606): no one can download it, AVIV included.
UNREACHABLE_PICTURE = "https://photos.acme-agency.invalid/ref-75011-0042/cuisine.jpg"

Report = Callable[[ApiVersion | None], tuple[bool, str]]
"""The token-reuse verdict (compliant, summary) of one version, or of every version (None)."""


def apartment(
    offerer_estate_id: str, *, price: int = 845000, media: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The sample Paris apartment (aviv_caas_auth.sandbox.samples), with v4's inline ``media`` if given."""
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    body["data"]["prices"]["buy"]["price"]["amount"] = price
    if media is not None:
        body["media"] = media
    return body


def pictures(run_id: str, *, count: int = 2, reverse: bool = False) -> list[dict[str, Any]]:
    """The apartment's v4 pictures under this run's URLs (the first ``count``, maybe in reverse order)."""
    found = paris_apartment_pictures()[:count]
    for picture in found:
        picture["url"] = picture["url"].replace("ref-75011-0042", f"demo-{run_id}")
    return found[::-1] if reverse else found


def media_summary(status: Any) -> str:
    """``sejour.jpg CREATED, balcon.jpg UPDATED`` from a v4 status's mediaStatuses."""
    return ", ".join(f"{str(m.url).rsplit('/', 1)[-1]} {m.status}" for m in media_statuses(status)) or "none"


class Steps:
    """Prints one line per step: what, HTTP status (for single calls), details, traceparent."""

    def __init__(self) -> None:
        self.count = 0

    def show(self, title: str, response: Any | None, details: str) -> None:
        """Print a step (a workflow step has no single response: no status nor traceparent)."""
        self.count += 1
        status = str(int(response.status_code)) if response is not None else "   "
        print(f"  {self.count}. {title:<40} {status}  {details}")
        if response is not None:
            print(f"     {'':<40}      traceparent {response.headers.get('traceparent', '-')}")


@dataclass
class Demo:
    """One version's run: its client, the endpoints of its generated package, the steps printed."""

    api: ApiVersion
    client: Any
    run_id: str
    poll: PollPolicy
    steps: Steps

    @property
    def ops(self) -> Endpoints:
        """The endpoint modules of the client's own package (aviv_caas_client or aviv_caas_client_v4)."""
        return endpoints_of(self.client)

    @property
    def inline_media(self) -> bool:
        """Whether this version sends the media inside the classified (v4)."""
        return self.api != "v3"

    def body(self, number: int, **options: Any) -> Any:
        """Classified ``number`` of this run as the version's typed request model (its AvivClassified)."""
        return self.ops.body_model("create_classified").from_dict(
            apartment(f"demo-{self.run_id}-{number}", **options)
        )

    # --- the synchronous half -----------------------------------------------------------------
    def run_sync(self) -> uuid.UUID:
        """Publish (create, then update by offererEstateId) and follow the classified."""
        media = pictures(self.run_id, count=1) if self.inline_media else None
        created = publish.sync(self.client, self.body(1, media=media), poll=self.poll)
        final = created.status.status if created.status else "-"
        extra = f", media: {media_summary(created.status)}" if self.inline_media else ""
        title = "publish with one picture: created" if self.inline_media else "publish: created (sync)"
        self.steps.show(title, None, f"classifiedId {created.classified_id}, {final}{extra}")

        history = self.ops.module("get_classified_statuses").sync_detailed(
            created.classified_id, client=self.client
        )
        seen = [str(item.status) for item in unwrap(history).items]
        self.steps.show("its statuses until CREATED", history, " -> ".join(seen))
        if "CREATED" not in seen:
            raise RuntimeError(f"the classified did not reach CREATED (statuses: {seen})")

        media = pictures(self.run_id, reverse=True) if self.inline_media else None
        updated = publish.sync(self.client, self.body(1, price=829000, media=media), poll=self.poll)
        if updated.action != "updated" or updated.classified_id != created.classified_id:
            raise RuntimeError(f"publishing the same offererEstateId again did not update it: {updated}")
        final = updated.status.status if updated.status else "-"
        if self.inline_media:
            title, extra = "publish again: 2 pictures, reordered", f", media: {media_summary(updated.status)}"
        else:
            title, extra = "publish again: updated (If-Match)", ""
        self.steps.show(title, None, f"845000 -> 829000 EUR, {final}{extra}")

        read = self.ops.module("get_classified").sync_detailed(created.classified_id, client=self.client)
        classified = unwrap(read)
        price = classified.data.prices.buy.price.amount
        shown = f"ETag {read.headers['ETag']}, price {price:g} EUR"
        if self.inline_media:
            shown += (
                f", media in display order: {', '.join(m.url.rsplit('/', 1)[-1] for m in classified.media)}"
            )
        self.steps.show("read it with its ETag", read, shown)
        return created.classified_id

    # --- the asynchronous half ----------------------------------------------------------------
    async def run_async(self, classified_id: uuid.UUID) -> None:
        """Attach a picture (v3), publish more, list with pagination, withdraw."""
        if not self.inline_media:
            # v3's own endpoint, imported only for v3: `--api v4` needs neither v3's package nor its document.
            from aviv_caas_client.api.media import attach_media_to_classified
            from aviv_caas_client.models import Media

            picture = living_room_picture()
            picture["url"] = picture["url"].replace("ref-75011-0042", f"demo-{self.run_id}")
            attached = await attach_media_to_classified.asyncio_detailed(
                classified_id, client=self.client, body=Media.from_dict(picture)
            )
            self.steps.show("attach a media (async)", attached, f"mediaId {unwrap(attached).media_id}")
            more = [self.body(n) for n in (2, 3)]
            title = "publish_many: two more"
        else:
            broken = [{"url": UNREACHABLE_PICTURE, "mediaType": "PICTURE", "category": "KITCHEN"}]
            more = [self.body(2, media=pictures(self.run_id, count=1)), self.body(3, media=broken)]
            title = "publish_many: two more (one bad picture)"
        outcomes = await publish_many.asyncio(self.client, more, concurrency=2, poll=self.poll)
        results = [o for o in outcomes if isinstance(o, PublishResult)]
        if len(results) != len(outcomes):
            raise RuntimeError(f"publish_many failed: {outcomes}")
        ids = [classified_id, *(r.classified_id for r in results)]
        shown = ", ".join(f"{r.action} {r.status and r.status.status}" for r in results)
        failures = [failure for r in results for failure in r.media_failures]
        if failures:
            shown += f"; {failures[0].status}: {failures[0].advice()}"
        self.steps.show(title, None, shown)

        listed = [item.classified_id async for item in iter_classifieds.asyncio(self.client, page_size=1)]
        ours = sorted({str(i) for i in listed} & {str(i) for i in ids})
        self.steps.show(
            "iter_classifieds, 1 per page", None, f"{len(listed)} listed, ours {len(ours)}/{len(ids)}"
        )
        if len(ours) != len(ids) or len(set(listed)) != len(listed):
            raise RuntimeError("pagination did not return every classified once")

        delete = self.ops.module("delete_classified")
        deleted = await asyncio.gather(*(delete.asyncio_detailed(i, client=self.client) for i in ids))
        for response in deleted:
            unwrap(response)
        self.steps.show("delete them (async)", deleted[0], f"{len(deleted)} classifieds withdrawn")


@contextlib.contextmanager
def target(apis: Sequence[ApiVersion]) -> Iterator[tuple[str, Callable[[ApiVersion], Any], Report]]:
    """The API to talk to: AVIV's real sandbox when asked for, else the embedded local sandbox.

    Only ``apis`` are served and named: each needs its generated package (and nothing else).
    """
    if os.environ.get("AVIV_ENVIRONMENT") == "sandbox":
        creds = CaasCredentials.from_env()

        def aviv_client(api: ApiVersion) -> Any:
            return create_client(creds, api=api, environment="sandbox", user_agent=USER_AGENT)

        def client_side_report(_api: ApiVersion | None) -> tuple[bool, str]:
            return True, "(report by AVIV's review; this process counted its own token requests above)"

        urls = ", ".join(base_urls(api)["sandbox"] for api in apis)
        yield f"AVIV's sandbox ({urls})", aviv_client, client_side_report
        return
    from aviv_caas_auth.sandbox import Sandbox, SandboxConfig

    with Sandbox.start(SandboxConfig(status_step=0.2, apis=tuple(apis))) as sandbox:
        c = sandbox.credentials
        creds = CaasCredentials(c.client_id, c.client_secret, c.intermediary_id)

        def local_client(api: ApiVersion) -> Any:
            return create_client(
                creds,
                api=api,
                environment="sandbox",
                user_agent=USER_AGENT,
                base_url=sandbox.base_url_for("sandbox", api=api),
                token_url=sandbox.token_url,
            )

        def local_report(api: ApiVersion | None) -> tuple[bool, str]:
            report = sandbox.report(api=api)
            return report.compliant, report.summary()

        yield f"the local sandbox at {sandbox.url} (AVIV sandbox environment)", local_client, local_report


def run_version(api: ApiVersion, client: Any, run_id: str, report: Report) -> bool:
    """One version's steps, then its token-reuse verdict; True when it all worked and complied."""
    print(f"CaaS {api} ({PACKAGES[api]}): {client.get_httpx_client().base_url}")
    demo = Demo(api, client, run_id, PollPolicy(first=0.1, max_interval=2.0), Steps())
    try:
        classified_id = demo.run_sync()
        asyncio.run(demo.run_async(classified_id))
    except (CaasError, RuntimeError) as exc:
        print(f"demo failed ({api}): {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    requests = token_provider_of(client).token_requests
    compliant, summary = report(api)
    print(f"  token requests made by this process for {api}: {requests}")
    print(f"  token-reuse report, {api}: {summary}")
    return compliant and requests == 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 when every step worked and token reuse was compliant."""
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", choices=list(PACKAGES), help="one API version (default: v3, then v4)")
    args = parser.parse_args(argv)
    apis: list[ApiVersion] = [args.api] if args.api else list(PACKAGES)
    # The library's warnings (a picture AVIV could not process) show in the run.
    logging.basicConfig(level=logging.WARNING, format="     ! %(message)s", stream=sys.stdout)
    run_id = uuid.uuid4().hex[:8]
    with target(apis) as (where, make_client, report):
        print(f"aviv-caas demo against {where}")
        ok = all([run_version(api, make_client(api), run_id, report) for api in apis])
        compliant, summary = report(None)
        print(f"token-reuse report, {' and '.join(apis)}: {summary}")
        return 0 if ok and compliant else 1


if __name__ == "__main__":
    raise SystemExit(main())
