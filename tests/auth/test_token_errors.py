"""Every way the token endpoint can fail gives a typed error that says what to do, without secrets."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from aviv_caas_auth import (
    CaasCredentials,
    MalformedTokenResponseError,
    MemoryTokenStore,
    TokenConnectionError,
    TokenEndpointError,
    TokenError,
    TokenServerError,
    TokenTimeoutError,
)
from aviv_caas_client.api.classifieds import get_classifieds
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import client_for, provider_for, unreachable_client

LEAKY_TOKEN = "tok-LEAKED-0123456789abcdef"

CASES: list[tuple[str, int, Any, str, type[TokenError], str]] = [
    # (id, status, body, content type, error type, text the message must contain)
    ("invalid_client", 401, {"error": "access_denied", "error_description": "Unauthorized"}, "application/json",
     TokenEndpointError, "access_denied: Unauthorized"),
    ("forbidden_intermediary", 403, {"error": "access_denied", "error_description": "intermediary not allowed"},
     "application/json", TokenEndpointError, "intermediary not allowed"),
    ("bad_request", 400, {"error": "invalid_request"}, "application/json", TokenEndpointError, "invalid_request"),
    ("4xx_html", 404, "<html>Not Found</html>", "text/html", TokenEndpointError, "404"),
    ("server_error", 500, {"message": "Internal"}, "application/json", TokenServerError, "500"),
    ("gateway_html", 502, "<html><body>Bad Gateway</body></html>", "text/html", TokenServerError, "502"),
    ("not_json", 200, "<html>login page</html>", "text/html", MalformedTokenResponseError, "not JSON"),
    ("json_list", 200, ["access_token"], "application/json", MalformedTokenResponseError, "not a JSON object"),
    ("no_access_token", 200, {"expires_in": 86400, "token_type": "Bearer"}, "application/json",
     MalformedTokenResponseError, "no access_token"),
    ("no_expires_in", 200, {"access_token": LEAKY_TOKEN, "token_type": "Bearer"}, "application/json",
     MalformedTokenResponseError, "expires_in"),
    ("zero_expires_in", 200, {"access_token": LEAKY_TOKEN, "expires_in": 0}, "application/json",
     MalformedTokenResponseError, "expires_in"),
    ("negative_expires_in", 200, {"access_token": LEAKY_TOKEN, "expires_in": -5}, "application/json",
     MalformedTokenResponseError, "expires_in"),
    ("text_expires_in", 200, {"access_token": LEAKY_TOKEN, "expires_in": "tomorrow"}, "application/json",
     MalformedTokenResponseError, "expires_in"),
    ("bool_expires_in", 200, {"access_token": LEAKY_TOKEN, "expires_in": True}, "application/json",
     MalformedTokenResponseError, "expires_in"),
    ("not_bearer", 200, {"access_token": LEAKY_TOKEN, "expires_in": 86400, "token_type": "mac"},
     "application/json", MalformedTokenResponseError, "not 'Bearer'"),
    ("truncated_json", 200, '{"access_token": "' + LEAKY_TOKEN + '", "expires_in": 86', "application/json",
     MalformedTokenResponseError, "not JSON"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "content_type", "error", "text"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_token_endpoint_failures_are_typed(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    status: int,
    body: Any,
    content_type: str,
    error: type[TokenError],
    text: str,
) -> None:
    aviv.token_overrides.append(json_response(status, body, content_type))
    client = client_for(aviv, credentials, token_store=store)
    with pytest.raises(error) as caught:
        get_classifieds.sync(client=client)
    message = str(caught.value)
    assert text in message
    assert credentials.client_id in message  # says whose request it was
    assert credentials.client_secret not in message
    assert LEAKY_TOKEN not in message
    assert LEAKY_TOKEN not in repr(caught.value)
    assert aviv.api_authorizations == []  # no API call without a token


def test_endpoint_error_fields(aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore) -> None:
    aviv.token_overrides.append(
        json_response(401, {"error": "access_denied", "error_description": "Unauthorized"})
    )
    with pytest.raises(TokenEndpointError) as caught:
        provider_for(aviv, credentials, token_store=store).get_token()
    assert (caught.value.status, caught.value.error, caught.value.error_description) == (
        401,
        "access_denied",
        "Unauthorized",
    )


def test_secret_echoed_by_the_server_is_scrubbed(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    echo = f"<html>bad secret {credentials.client_secret}</html>"
    aviv.token_overrides.append(json_response(503, echo, "text/html"))
    aviv.token_overrides.append(
        json_response(
            401, {"error": "invalid_client", "error_description": f"wrong {credentials.client_secret}"}
        )
    )
    provider = provider_for(aviv, credentials, token_store=store)
    for _ in range(2):
        with pytest.raises(TokenError) as caught:
            provider.get_token()
        assert credentials.client_secret not in str(caught.value)
        assert "***" in str(caught.value)


def test_timeout(aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore) -> None:
    release = aviv.token_gate = threading.Event()
    try:
        with pytest.raises(TokenTimeoutError) as caught:
            provider_for(aviv, credentials, token_store=store, timeout=0.2).get_token()
    finally:
        release.set()
    assert "timed out" in str(caught.value)
    assert credentials.client_secret not in str(caught.value)


def test_connection_refused(credentials: CaasCredentials, store: MemoryTokenStore) -> None:
    client, port = unreachable_client(credentials, token_store=store)
    with pytest.raises(TokenConnectionError) as caught:
        get_classifieds.sync(client=client)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert credentials.client_secret not in str(caught.value)
