"""AVIV's token endpoint without I/O: the request to send, and what its answer means.

Every token request carries a fresh W3C ``traceparent``; every TokenError names it.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

import httpx

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints
from aviv_caas_auth.errors import (
    MalformedTokenResponseError,
    TokenConnectionError,
    TokenEndpointError,
    TokenError,
    TokenRateLimitedError,
    TokenServerError,
    TokenTimeoutError,
)
from aviv_caas_auth.http.retry_after import parse_retry_after
from aviv_caas_auth.http.traceparent import new_traceparent
from aviv_caas_auth.tokens.token import AccessToken, TokenKey

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
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": user_agent,
            "traceparent": new_traceparent(),
        },
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
    traceparent = _traceparent(response)
    who = f"({key.describe()}, token URL {key.token_url}, traceparent {traceparent or 'not sent'})"
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=time.time())
        wait = f" after {retry_after:g} s" if retry_after is not None else " later"
        raise TokenRateLimitedError(
            f"AVIV's token endpoint is rate limiting token requests (429) {who}. Try again{wait}; a "
            "token is valid 24 h, so make sure tokens are cached and shared (token_store=...) "
            "rather than requested per call.",
            retry_after=retry_after,
            traceparent=traceparent,
        )
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
            traceparent=traceparent,
        )
    if status >= 300 or status < 200:
        raise TokenServerError(
            f"AVIV's token endpoint failed with {status} {who}: {_snippet(response, secret)!r}. "
            "This is on AVIV's side or a proxy's; try again later.",
            status=status,
            traceparent=traceparent,
        )
    try:
        payload: Any = json.loads(response.content)
    except ValueError:
        content_type = response.headers.get("content-type", "no content type")
        raise MalformedTokenResponseError(
            f"AVIV's token endpoint answered {status} with a body that is not JSON ({content_type}, "
            f"{len(response.content)} bytes: {_snippet(response, secret)!r}) {who}. "
            "Check token_url: it must be AVIV's OAuth token endpoint.",
            traceparent=traceparent,
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
            f"{'; '.join(problems)}.",
            traceparent=traceparent,
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


def _traceparent(response: httpx.Response) -> str | None:
    """The answer's traceparent, else the one the token request carried."""
    answered: str | None = response.headers.get("traceparent")
    if answered:
        return answered[:128]
    try:
        sent: str | None = response.request.headers.get("traceparent")
    except RuntimeError:  # a response built without its request
        return None
    return sent


def transport_failure(exc: httpx.HTTPError, key: TokenKey) -> TokenError:
    """The TokenError for a request that got no answer (timeout, refused connection, ...)."""
    try:
        traceparent = exc.request.headers.get("traceparent")
    except RuntimeError:  # raised before httpx tied it to a request
        traceparent = None
    trace = f" (traceparent {traceparent or 'not sent'})"
    if isinstance(exc, httpx.TimeoutException):
        return TokenTimeoutError(
            f"the token request to {key.token_url} timed out ({type(exc).__name__}); AVIV's token "
            f"endpoint or the network is slow: try again later, or raise `timeout`{trace}.",
            traceparent=traceparent,
        )
    return TokenConnectionError(
        f"could not reach AVIV's token endpoint {key.token_url}: {type(exc).__name__}: {exc}. "
        f"Check the network, proxies and token_url{trace}.",
        traceparent=traceparent,
    )
