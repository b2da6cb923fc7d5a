"""The WSGI and ASGI receivers on real loopback servers, fed by the local sandbox's own callbacks."""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from aviv_caas_auth import ConfigurationError
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_pictures
from aviv_caas_auth.webhooks import asgi_app, new_secret, wsgi_app
from aviv_caas_auth.workflows import publish
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.models import ClassifiedStatus
from tests.webhooks.servers import asgi_server, wsgi_server
from tests.workflows.conftest import classified, endpoint, model

SECRET = new_secret()
CALLBACK_BODY = {
    "portals": ["SL"],
    "status": "CREATED",
    "message": "The classified has been created on the portals",
    "statusDate": "2025-03-01T10:00:00Z",
}
ID = "5c597a63-6932-4b0c-a2a0-2fd935be1755"


class Inbox:
    """What the handler received."""

    def __init__(self) -> None:
        self.got: list[tuple[str, Any]] = []
        self.fail = False
        self.lock = threading.Lock()

    def __call__(self, status: ClassifiedStatus, *, classified_id: str) -> None:
        if self.fail:
            raise RuntimeError(f"database down; password=hunter2 for {classified_id}")
        with self.lock:
            self.got.append((classified_id, status))


class AsyncInbox(Inbox):
    async def __call__(self, status: ClassifiedStatus, *, classified_id: str) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        super().__call__(status, classified_id=classified_id)


SERVERS: dict[str, Callable[..., Any]] = {
    "wsgi": lambda inbox, **kw: wsgi_server(wsgi_app(inbox, secret=SECRET, **kw)),
    "asgi": lambda inbox, **kw: asgi_server(asgi_app(inbox, secret=SECRET, **kw)),
    "asgi-async-handler": lambda inbox, **kw: asgi_server(asgi_app(inbox, secret=SECRET, **kw)),
}


@pytest.fixture(params=sorted(SERVERS))
def receiver(request: pytest.FixtureRequest, api: str) -> Iterator[tuple[str, Inbox]]:
    """A receiver (each server kind) parsing ``api``'s ClassifiedStatus."""
    inbox: Inbox = AsyncInbox() if request.param == "asgi-async-handler" else Inbox()
    with SERVERS[request.param](inbox, max_body=4096, api=api) as url:
        yield url, inbox


def test_a_subscription_delivers_typed_statuses_end_to_end(
    receiver: tuple[str, Inbox], client: AuthenticatedClient, sandbox: Sandbox, poll: Any, api: str
) -> None:
    url, inbox = receiver
    subscribe = endpoint(client, "create_subscription_to_webhook")
    subscribed = subscribe.sync_detailed(client=client, body=model(client, "Webhook")(url=f"{url}/{SECRET}"))
    assert subscribed.status_code == 200
    body = classified("CRM-HOOK")
    if api == "v4":  # its pictures travel inside the classified
        body["media"] = paris_apartment_pictures()[:1]

    result = publish.sync(client, body, poll=poll)

    statuses = [(cid, status.status) for cid, status in inbox.got]
    cid = str(result.classified_id)
    assert statuses == [(cid, "RECEIVED"), (cid, "CREATING"), (cid, "CREATED")]
    assert all(type(status) is model(client, "ClassifiedStatus") for _, status in inbox.got)
    if api == "v4":  # the final callback reports the media, typed
        created = inbox.got[-1][1]
        assert [(m.url, m.status) for m in created.media_statuses] == [(body["media"][0]["url"], "CREATED")]
    assert {d.http_status for d in sandbox.webhook_deliveries()} == {201}
    assert sandbox.report().compliant


def post(url: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=CALLBACK_BODY if body is None else body, **kwargs)


@pytest.mark.parametrize(
    "path",
    [
        f"/classifieds/{ID}/statuses",  # no secret at all
        f"/{SECRET[:-1]}x/classifieds/{ID}/statuses",  # a wrong secret
        f"/{SECRET}/classifieds/{ID}/statuses/extra",
        f"/{SECRET}/classifieds/{ID}",
        f"/{SECRET}/classifieds/../statuses",
        f"/{SECRET}/media/{ID}/statuses",
        "/",
    ],
)
def test_anything_but_the_secret_path_is_a_404_and_the_handler_is_not_called(
    receiver: tuple[str, Inbox], path: str
) -> None:
    url, inbox = receiver
    answer = post(url, path)
    assert answer.status_code == 404
    assert SECRET not in answer.text
    assert inbox.got == []


def test_other_methods_are_404s(receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    for method in ("GET", "PUT", "DELETE"):
        assert httpx.request(method, f"{url}/{SECRET}/classifieds/{ID}/statuses").status_code == 404
    assert inbox.got == []


def test_a_callback_gets_201_and_the_handler_its_typed_status(receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    answer = post(url, f"/{SECRET}/classifieds/{ID}/statuses")
    assert answer.status_code == 201
    ((classified_id, status),) = inbox.got
    assert classified_id == ID
    assert (status.status, status.portals) == ("CREATED", ["SL"])


def test_a_body_over_the_limit_is_413(receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    big = {**CALLBACK_BODY, "message": "x" * 5000}
    assert post(url, f"/{SECRET}/classifieds/{ID}/statuses", big).status_code == 413
    assert inbox.got == []


def test_a_body_that_is_not_a_status_is_400(receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    assert post(url, f"/{SECRET}/classifieds/{ID}/statuses", {"status": "CREATED"}).status_code == 400
    bad_json = httpx.post(f"{url}/{SECRET}/classifieds/{ID}/statuses", content=b"{not json")
    assert bad_json.status_code == 400
    assert inbox.got == []


def test_a_body_nested_too_deeply_to_decode_is_400_not_a_handler_failure(
    receiver: tuple[str, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    url, inbox = receiver
    with caplog.at_level(logging.WARNING, logger="aviv_caas_auth.webhooks"):
        answer = httpx.post(f"{url}/{SECRET}/classifieds/{ID}/statuses", content=b"[" * 4000)
    assert answer.status_code == 400
    assert "nested" in answer.text
    assert inbox.got == []
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # refused, never "the handler failed"
    assert "handler" not in caplog.records[0].getMessage()


def test_a_handler_error_is_a_500_that_leaks_nothing(
    receiver: tuple[str, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    url, inbox = receiver
    inbox.fail = True
    with caplog.at_level(logging.ERROR, logger="aviv_caas_auth.webhooks"):
        answer = post(url, f"/{SECRET}/classifieds/{ID}/statuses")
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert ID in logged
    assert SECRET not in logged
    assert any(r.exc_info for r in caplog.records)  # the traceback goes to the log, not the answer


def test_unknown_values_in_a_callback_are_kept(
    receiver: tuple[str, Inbox], caplog: pytest.LogCaptureFixture, api: str
) -> None:
    url, inbox = receiver
    package = PACKAGES[api]  # the receiver reads with its version's tolerant reader
    importlib.import_module(f"{package}.types").unknown_values.clear()  # each is logged once per process
    with caplog.at_level(logging.WARNING, logger=f"{package}.reader"):
        answer = post(
            url, f"/{SECRET}/classifieds/{ID}/statuses", {**CALLBACK_BODY, "status": "PUBLISHED_ON_MARS"}
        )
    assert answer.status_code == 201
    assert inbox.got[0][1].status == "PUBLISHED_ON_MARS"
    assert any("a status callback (webhook)" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("secret", ["", "short", "has spaces in it and is long enough", "é" * 30, None])
def test_a_weak_or_malformed_secret_is_refused(secret: Any) -> None:
    for make in (wsgi_app, asgi_app):
        with pytest.raises(ConfigurationError, match="secret must be 24 to 256 URL-safe characters"):
            make(lambda status, classified_id: None, secret=secret)


def test_the_asgi_app_acknowledges_lifespan_and_refuses_websockets() -> None:
    app = asgi_app(lambda status, classified_id: None, secret=SECRET)
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan"}, receive, send))
    asyncio.run(app({"type": "websocket", "path": "/"}, receive, send))
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
        "websocket.close",
    ]
