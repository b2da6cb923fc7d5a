"""The status-callback receiver as an ASGI 3 application (uvicorn, hypercorn, daphne...)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aviv_caas_auth.webhooks.receiver import CREATED, MAX_BODY, NOT_FOUND, TOO_LARGE, Handler, Receiver, Reply

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def asgi_app(
    handler: Handler, *, secret: str, max_body: int = MAX_BODY, package: str = "aviv_caas_client"
) -> ASGIApp:
    """An ASGI app serving ``POST /<secret>/classifieds/<id>/statuses`` (see ``aviv_caas_auth.webhooks``).

    Same answers as :func:`~aviv_caas_auth.webhooks.wsgi.wsgi_app`. ``handler`` may be a plain
    function (called in the event loop: keep it quick) or a coroutine function (awaited).
    Lifespan events are acknowledged; other scope types are refused.
    """
    receiver = Receiver(handler, secret=secret, max_body=max_body, package=package)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        path = str(scope.get("path", ""))
        root = str(scope.get("root_path", "") or "")
        if root and path.startswith(root):
            path = path[len(root) :]
        classified_id = receiver.route(str(scope.get("method", "")), path)
        if classified_id is None:
            await _answer(send, NOT_FOUND)
            return
        headers = {bytes(k).lower(): bytes(v) for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        problem = receiver.length_problem(
            declared.decode("latin-1") if declared is not None else None, terminated=True
        )
        if problem is None:
            problem = await _read_and_handle(receiver, classified_id, receive)
        if problem is not _GONE:
            await _answer(send, CREATED if problem is None else problem)

    return app


_GONE = Reply(499, "Client Closed Request")


async def _read_and_handle(receiver: Receiver, classified_id: str, receive: Receive) -> Reply | None:
    """Read the body (at most ``max_body`` bytes), call the handler; a Reply when it must not be a 201."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE  # nobody to answer; the handler is not called
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > receiver.max_body:
            return TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        status = receiver.parse(b"".join(chunks))
        result = receiver.handler(status, classified_id=classified_id)
        if inspect.isawaitable(result):
            await result
    except Exception as error:  # noqa: BLE001 - the handler's failure is answered 500, never raised
        return receiver.failure(error, classified_id)
    return None


async def _answer(send: Send, reply: Reply) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(reply.body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
