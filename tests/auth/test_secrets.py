"""Secrets and tokens never appear in logs (DEBUG, all loggers), reprs or exception texts."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import traceback
import urllib.parse
import uuid

import pytest

from aviv_caas_auth import (
    CaasAuth,
    CaasCredentials,
    MemoryTokenStore,
    TokenError,
    token_provider_of,
)
from aviv_caas_client.api.classifieds import get_classifieds
from tests.auth.fake_aviv import TRACEPARENT, FakeAviv, json_response
from tests.auth.helpers import client_for, provider_for, unreachable_client

LEAKY_TOKEN = "tok-LEAKED-0123456789abcdef"


def test_nothing_secret_in_debug_logs_or_reprs(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    aviv.rejected.add(aviv.issued[0])
    get_classifieds.sync(client=client)  # 401, refresh, replay
    asyncio.run(get_classifieds.asyncio(client=client))
    provider = token_provider_of(client)
    token = provider.get_token()
    texts = [
        caplog.text,
        repr(credentials),
        str(credentials),
        repr(client),
        repr(provider),
        repr(CaasAuth(provider)),
        repr(token),
        str(token),
        repr(store),
    ]
    secrets = [credentials.client_secret, *aviv.issued]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "fetched AVIV access token" in caplog.text  # INFO with expiry, not the value
    assert "expires in 86400 s" in caplog.text
    assert f"traceparent={TRACEPARENT}" in caplog.text  # each response's traceparent at DEBUG


def test_nothing_secret_in_failure_logs(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    aviv.token_overrides.append(
        json_response(401, {"error": "invalid_client", "error_description": credentials.client_secret})
    )
    with pytest.raises(TokenError) as caught:
        get_classifieds.sync(client=client_for(aviv, credentials, token_store=store))
    assert credentials.client_secret not in caplog.text
    assert credentials.client_secret not in repr(caught.value)


# -- issue 12, point 9: a secret echoed in an encoded form, and tracebacks rendered with locals ----

QUOTED_SECRET = 's3cr3t-"quoted"\\back/slash-é-'


def _encodings(secret: str) -> list[str]:
    return [
        secret,
        json.dumps(secret)[1:-1],  # "\u00e9", '\\"'
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret).replace("/", "\\/")[1:-1],
        html.escape(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    ]


@pytest.mark.parametrize(
    ("status", "content_type", "shape"),
    [
        (500, "application/json", lambda s: json.dumps({"message": f"bad client_secret {s}"})),
        (
            500,
            "application/json",
            lambda s: json.dumps({"message": f"bad client_secret {s}"}, ensure_ascii=False),
        ),
        (502, "text/html", lambda s: f"<html><body>bad secret {html.escape(s)}</body></html>"),
        (
            400,
            "application/json",
            lambda s: json.dumps({"error": "invalid_client", "error_description": f"no {s}"}),
        ),
        (503, "text/plain", lambda s: "client_secret=" + urllib.parse.quote_plus(s)),
        (500, "text/plain", lambda s: " " * 470 + s),  # a secret that starts where the snippet is cut
    ],
    ids=["json", "json-utf8", "html", "oauth-error", "form", "far"],
)
def test_a_secret_echoed_in_an_encoded_form_is_masked(
    aviv: FakeAviv, store: MemoryTokenStore, status: int, content_type: str, shape: object
) -> None:
    credentials = CaasCredentials("client-q", QUOTED_SECRET + uuid.uuid4().hex, "agency-42")
    aviv.token_overrides.append(json_response(status, shape(credentials.client_secret), content_type))  # type: ignore[operator]
    with pytest.raises(TokenError) as caught:
        provider_for(aviv, credentials, token_store=store).get_token()
    said = f"{caught.value}\n{caught.value!r}"
    for form in _encodings(credentials.client_secret):
        assert form not in said
    assert credentials.client_secret[-12:] not in said  # not even the random tail
    assert credentials.client_secret[:10] not in said  # nor its start, cut where the snippet ends


FAILURES = {
    "refused-echo": json_response(401, {"error": "invalid_client", "error_description": "bad"}),
    "server-error": json_response(500, {"message": "Internal"}),
    "malformed-with-token": json_response(200, {"access_token": LEAKY_TOKEN, "expires_in": "soon"}),
    "bad-token-type": json_response(
        200, {"access_token": LEAKY_TOKEN, "expires_in": 60, "token_type": "mac"}
    ),
}


@pytest.mark.parametrize("failure", [*FAILURES, "connection-refused"])
@pytest.mark.parametrize("via", ["provider", "client"])
def test_a_traceback_with_locals_shows_no_secret_and_no_token(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, failure: str, via: str
) -> None:
    """pytest -l, rich and error trackers render every frame's locals: none may hold a secret in clear."""
    if failure == "connection-refused":
        client, _ = unreachable_client(credentials, token_store=store, retry=None)
    else:
        aviv.token_overrides.append(FAILURES[failure])
        client = client_for(aviv, credentials, token_store=store)
    call = (
        token_provider_of(client).get_token
        if via == "provider"
        else lambda: get_classifieds.sync(client=client)
    )
    with pytest.raises(TokenError) as caught:
        call()
    rendered = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert (
        "client_secret" in rendered or "credentials" in rendered or "self" in rendered
    )  # locals were rendered
    assert credentials.client_secret not in rendered
    assert LEAKY_TOKEN not in rendered
