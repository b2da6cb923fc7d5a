"""AVIV's token endpoint without I/O: the request to send, and what its answer means."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import httpx

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints
from aviv_caas_auth.errors import (
    MalformedTokenResponseError,
    TokenConnectionError,
    TokenEndpointError,
    TokenError,
    TokenServerError,
    TokenTimeoutError,
)
from aviv_caas_auth.token import AccessToken, TokenKey

_SNIPPET = 120
_TOKENISH = re.compile(r'("access_token"\s*:\s*")[^"]*')


def build_token_request(credentials: CaasCredentials, endpoints: Endpoints, user_agent: str) -> httpx.Request:
    """The client-credentials request exactly as AVIV documents it (JSON body, not a form)."""
    body = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "grant_type": "client_credentials",
        "audience": endpoints.audience,
        "intermediary_id": credentials.intermediary_id,
    }
    return httpx.Request(
        "POST",
        endpoints.token_url,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", "User-Agent": user_agent},
    )


def _scrub(text: str, secret: str) -> str:
    """Remove what must never be shown: the secret, and any access token value."""
    text = _TOKENISH.sub(r"\1***", text)
    return text.replace(secret, "***") if secret else text


def _snippet(response: httpx.Response, secret: str) -> str:
    text = response.content[: _SNIPPET * 4].decode("utf-8", "replace")
    text = " ".join(_scrub(text, secret).split())
    return text[:_SNIPPET] + ("..." if len(text) > _SNIPPET else "")


def _positive_seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        value = float(value)
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def parse_token_response(
    response: httpx.Response, *, key: TokenKey, secret: str, sent_at: float
) -> AccessToken:
    """The token in ``response`` (already read), expiring ``expires_in`` after ``sent_at`` (wall clock).

    Raises a TokenError subclass that says what was wrong; never one that contains the secret or a token.
    """
    who = f"({key.describe()}, token URL {key.token_url})"
    status = response.status_code
    if 400 <= status < 500:
        error, description = _oauth_error(response, secret)
        detail = f"{error}: {description}" if description else (error or _snippet(response, secret))
        raise TokenEndpointError(
            f"AVIV's token endpoint refused the token request with {status} {detail} {who}. "
            "Check the client id and secret AVIV gave you, that this client may act for this "
            "intermediary_id, and that the environment (production or sandbox) is the one the "
            "credentials were issued for.",
            status=status,
            error=error,
            error_description=description,
        )
    if status >= 300 or status < 200:
        raise TokenServerError(
            f"AVIV's token endpoint failed with {status} {who}: {_snippet(response, secret)!r}. "
            "This is on AVIV's side or a proxy's; try again later.",
            status=status,
        )
    try:
        payload: Any = json.loads(response.content)
    except ValueError:
        content_type = response.headers.get("content-type", "no content type")
        raise MalformedTokenResponseError(
            f"AVIV's token endpoint answered {status} with a body that is not JSON ({content_type}, "
            f"{len(response.content)} bytes: {_snippet(response, secret)!r}) {who}. "
            "Check token_url: it must be AVIV's OAuth token endpoint."
        ) from None
    problems = []
    if not isinstance(payload, dict):
        payload, problems = {}, ["the body is not a JSON object"]
    value = payload.get("access_token")
    if not isinstance(value, str) or not value.strip():
        problems.append("no access_token")
    expires_in = _positive_seconds(payload.get("expires_in"))
    if expires_in is None:
        problems.append("expires_in is missing or not a positive number of seconds")
    token_type = payload.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        problems.append(f"token_type is {_scrub(str(token_type), secret)[:40]!r}, not 'Bearer'")
    if problems or not isinstance(value, str) or expires_in is None:
        raise MalformedTokenResponseError(
            f"AVIV's token endpoint answered {status} without a usable bearer token {who}: "
            f"{'; '.join(problems)}."
        )
    return AccessToken(value=value, expires_in=expires_in, expires_at=sent_at + expires_in)


def _oauth_error(response: httpx.Response, secret: str) -> tuple[str | None, str | None]:
    """The OAuth ``error`` and ``error_description`` of an error answer, when it has them."""
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    error, description = payload.get("error"), payload.get("error_description")
    return (
        _scrub(error, secret) if isinstance(error, str) else None,
        _scrub(description, secret) if isinstance(description, str) else None,
    )


def transport_failure(exc: httpx.HTTPError, key: TokenKey) -> TokenError:
    """The TokenError for a request that got no answer (timeout, refused connection, ...)."""
    if isinstance(exc, httpx.TimeoutException):
        return TokenTimeoutError(
            f"the token request to {key.token_url} timed out ({type(exc).__name__}); AVIV's token "
            "endpoint or the network is slow: try again later, or raise `timeout`."
        )
    return TokenConnectionError(
        f"could not reach AVIV's token endpoint {key.token_url}: {type(exc).__name__}: {exc}. "
        "Check the network, proxies and token_url."
    )
