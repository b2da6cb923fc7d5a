"""A scriptable fake of AVIV's token endpoint and API on a loopback pytest-httpserver, counting requests."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01"
Handler = Callable[[Request], Response]


class FakeAviv:
    """Token endpoint at /oauth/token, API under /caas/v3 and /sandbox/caas/v3."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.lock = threading.Lock()
        self.token_requests: list[dict[str, Any]] = []
        self.token_headers: list[dict[str, str]] = []
        self.api_authorizations: list[str | None] = []
        self.api_user_agents: list[str | None] = []
        self.issued: list[str] = []
        self.expires_in: Any = 86400
        self.token_overrides: deque[Handler] = deque()
        self.rejected: set[str] = set()
        self.reject_all = False
        self.token_gate: threading.Event | None = None
        self.token_entered = threading.Event()
        self.on_token_request: Callable[[], None] | None = None
        server.expect_request("/oauth/token", method="POST").respond_with_handler(self._token)
        for prefix in ("/caas/v3", "/sandbox/caas/v3"):
            server.expect_request(f"{prefix}/classifieds", method="GET").respond_with_handler(self._api)

    @property
    def token_url(self) -> str:
        return self.server.url_for("/oauth/token")

    def base_url(self, environment: str = "sandbox") -> str:
        return self.server.url_for("/sandbox/caas/v3" if environment == "sandbox" else "/caas/v3")

    @property
    def token_count(self) -> int:
        return len(self.token_requests)

    def _token(self, request: Request) -> Response:
        with self.lock:
            self.token_requests.append(json.loads(request.get_data()))
            self.token_headers.append(dict(request.headers))
            override = self.token_overrides.popleft() if self.token_overrides else None
        self.token_entered.set()
        if self.on_token_request is not None:
            self.on_token_request()
        if self.token_gate is not None:
            self.token_gate.wait(timeout=30)
        if override is not None:
            return override(request)
        token = f"tok-{uuid.uuid4().hex}{uuid.uuid4().hex}"
        with self.lock:
            self.issued.append(token)
        body = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _api(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization")
        with self.lock:
            self.api_authorizations.append(authorization)
            self.api_user_agents.append(request.headers.get("User-Agent"))
        token = (authorization or "").removeprefix("Bearer ")
        if self.reject_all or token in self.rejected or token not in self.issued:
            problem = {
                "type": "about:blank",
                "title": "Unauthorized",
                "detail": "Invalid token. Please check your authentication token, it can either be not valid or expired.",
                "instance": TRACEPARENT,
                "status": 401,
            }
            return Response(
                json.dumps(problem),
                status=401,
                content_type="application/json",
                headers={"traceparent": TRACEPARENT},
            )
        return Response(
            json.dumps({"items": []}),
            status=200,
            content_type="application/json",
            headers={"traceparent": TRACEPARENT},
        )


def json_response(
    status: int, body: Any, content_type: str = "application/json", headers: dict[str, str] | None = None
) -> Handler:
    """A one-off token endpoint answer."""
    text = body if isinstance(body, str) else json.dumps(body)
    return lambda _request: Response(text, status=status, content_type=content_type, headers=headers)
