"""What the per-call benchmarks talk to: one ``httpx.MockTransport`` answering like AVIV's API.

Nothing leaves the process: the base URL is under ``.invalid`` and every request is answered by
the transport. The classified returned is the project's realistic sample (location, prices, spaces,
energy, texts, mandate, contact), so parsing costs what it would with a real answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from aviv_caas_auth import CaasCredentials, create_client
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale

BASE_URL = "https://caas.bench.invalid/caas/v3"
TOKEN = "bench-access-token"  # noqa: S105 - a fixed fake token, never sent anywhere
USER_AGENT = "BenchCRM/1.0 aviv-caas/0.1.0 Linux/6.1"
CLASSIFIED_ID = UUID("5c597a63-6932-4b0c-a2a0-2fd935be1755")
CLASSIFIED_PATH = f"/classifieds/{CLASSIFIED_ID}"

# The project's realistic sample (aviv_caas_auth.sandbox.samples), as GET /classifieds/{id} answers it.
CLASSIFIED: dict[str, Any] = {"classifiedId": str(CLASSIFIED_ID), **paris_apartment_for_sale()}
CLASSIFIED_BODY = json.dumps(CLASSIFIED).encode()

Handler = Callable[[httpx.Request], httpx.Response | None]


def api_response(request: httpx.Request) -> httpx.Response:
    """AVIV's answer to any API call: the classified above, as JSON."""
    return httpx.Response(200, content=CLASSIFIED_BODY, headers={"Content-Type": "application/json"})


def mock_transport(before: Handler | None = None) -> httpx.MockTransport:
    """A transport answering every request with :func:`api_response`.

    ``before`` may answer some requests itself (say, the token endpoint) by returning a
    response; returning ``None`` lets the request through to the API answer.
    """
    if before is None:
        return httpx.MockTransport(api_response)
    hook = before

    def handle(request: httpx.Request) -> httpx.Response:
        return hook(request) or api_response(request)

    return httpx.MockTransport(handle)


def sandbox_client(sandbox: Any) -> Any:
    """A ``create_client`` client of the sandbox's demo agency, as an integrator would make it."""
    c = sandbox.credentials
    return create_client(
        CaasCredentials(c.client_id, c.client_secret, c.intermediary_id),
        environment="sandbox",
        user_agent=USER_AGENT,
        base_url=sandbox.base_url,
        token_url=sandbox.token_url,
    )
