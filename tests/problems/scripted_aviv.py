"""A scripted AVIV on loopback: token endpoint and API answer from per-route scripts, and record every request.

A script is a list of answers, used in order; its last answer repeats. ``STALL`` holds the
request until the test ends (the client times out first). ``TOKEN`` issues a fresh token. API
answers get a ``traceparent`` continuing the request's trace, as AVIV's gateway does.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

Answer = Callable[["ScriptedAviv", Request], Response]
API_BASE = "/sandbox/caas/v3"
STALL_LIMIT = 10.0  # a stalled request is answered at the latest after this long (or at teardown)


@dataclass(frozen=True)
class Seen:
    """One request the server received, and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    status: int

    @property
    def token(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    @property
    def traceparent(self) -> str | None:
        return self.headers.get("traceparent")


def respond(
    status: int,
    body: bytes | str | dict[str, Any] | list[Any] = b"",
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Answer:
    """A fixed answer."""

    def answer(_aviv: ScriptedAviv, _request: Request) -> Response:
        data = json.dumps(body) if isinstance(body, dict | list) else body
        response = Response(data, status=status, headers=dict(headers or {}))
        if content_type is None:
            del response.headers["Content-Type"]
        else:
            response.headers["Content-Type"] = content_type
        return response

    return answer


def TOKEN(aviv: ScriptedAviv, _request: Request) -> Response:
    """Issue a new token."""
    token = f"tok-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    with aviv.lock:
        aviv.issued.append(token)
    body = {"access_token": token, "expires_in": 86400, "token_type": "Bearer"}
    return Response(json.dumps(body), status=200, content_type="application/json")


def STALL(aviv: ScriptedAviv, _request: Request) -> Response:
    """Hold the request until released (the client's timeout fires first)."""
    aviv.release.wait(STALL_LIMIT)
    return Response("{}", status=200, content_type="application/json")


class ScriptedAviv:
    """Token endpoint at /oauth/token and API under /sandbox/caas/v3, on one or more loopback servers."""

    def __init__(self, token: Sequence[Answer] = (TOKEN,), api: Sequence[Answer] = ()) -> None:
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.issued: list[str] = []
        self.token_script = list(token)
        self.api_script = list(api)
        self.token_requests: list[Seen] = []
        self.api_requests: list[Seen] = []

    def mount(self, server: HTTPServer) -> None:
        server.expect_request("/oauth/token", method="POST").respond_with_handler(self._token)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            server.expect_request(_api_path(), method=method).respond_with_handler(self._api)

    def _next(self, script: list[Answer], seen: list[Seen]) -> Answer:
        with self.lock:
            return script[min(len(seen), len(script) - 1)]

    def _token(self, request: Request) -> Response:
        answer = self._next(self.token_script, self.token_requests)
        with self.lock:
            self.token_requests.append(_seen(request, 0))
        response = answer(self, request)
        with self.lock:
            self.token_requests[-1] = _seen(request, response.status_code)
        return response

    def _api(self, request: Request) -> Response:
        answer = self._next(self.api_script, self.api_requests)
        with self.lock:
            index = len(self.api_requests)
            self.api_requests.append(_seen(request, 0))
        response = answer(self, request)
        incoming = request.headers.get("traceparent", "")
        if "traceparent" not in response.headers and len(incoming) == 55:
            response.headers["traceparent"] = f"{incoming[:36]}{os.urandom(8).hex()}-01"
        with self.lock:
            self.api_requests[index] = _seen(request, response.status_code)
        return response


def _api_path() -> Any:
    import re

    return re.compile(re.escape(API_BASE) + r"/.*")


def _seen(request: Request, status: int) -> Seen:
    return Seen(request.method, request.path, {k.lower(): v for k, v in request.headers.items()}, status)


def free_port() -> int:
    """A loopback port nobody listens on (until someone does)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class LateServer:
    """A server on a port that refuses connections until ``start()`` (called from the injected sleeper)."""

    def __init__(self, aviv: ScriptedAviv) -> None:
        self.aviv = aviv
        self.port = free_port()
        self.server: HTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        if self.server is None:
            self.server = HTTPServer(host="127.0.0.1", port=self.port, threaded=True)
            self.aviv.mount(self.server)
            self.server.start()

    def stop(self) -> None:
        if self.server is not None and self.server.is_running():
            self.server.clear()
            self.server.stop()


@contextlib.contextmanager
def serving(server: HTTPServer, aviv: ScriptedAviv) -> Iterator[HTTPServer]:
    """``server`` (running, shared) answering from ``aviv`` until the block ends."""
    server.clear()
    aviv.mount(server)
    try:
        yield server
    finally:
        aviv.release.set()
        server.clear()
