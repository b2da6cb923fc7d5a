"""AVIV's token endpoint without I/O: the request to send, and what its answer means.

Every token request carries a fresh W3C ``traceparent``; every TokenError names it. An answer is
checked here, before anything is cached: a token no HTTP header can carry, or a lifetime no token
has, is a ``MalformedTokenResponseError`` like a body that is not JSON.

No frame of this module holds the client secret or a token in a local variable or parameter
while an error is raised: tracebacks rendered with their locals (``pytest -l``, rich, error
trackers) show ``credentials`` (whose ``repr`` hides the secret) and masked text only.
"""

from __future__ import annotations

import json
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
from aviv_caas_auth.tokens.token import AccessToken, TokenKey, lifetime_problem, value_problem

_SNIPPET = 120
_NUMBER = re.compile(r"\s*\d{1,20}(\.\d{1,20})?\s*")


def build_token_request(credentials: CaasCredentials, endpoints: Endpoints, user_agent: str) -> httpx.Request:
    """The client-credentials request exactly as AVIV documents it (JSON body, not a form)."""
    return httpx.Request(
        "POST",
        endpoints.token_url,
        content=json.dumps(  # built in place: no local variable of this frame holds the secret
            {
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "grant_type": "client_credentials",
                "audience": endpoints.audience,
                "intermediary_id": credentials.intermediary_id,
            }
        ).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": user_agent,
            "traceparent": new_traceparent(),
        },
    )


def _scrub(text: str, credentials: CaasCredentials) -> str:
    """Remove what must never be shown: the secret (in any encoding), and any token value."""
    from aviv_caas_auth.http.redaction import redact  # failure path only

    return redact(text, secrets=(credentials.client_secret,), min_length=1)


def _snippet(response: httpx.Response, credentials: CaasCredentials) -> str:
    from aviv_caas_auth.http.redaction import snippet  # failure path only

    return snippet(response.content, secrets=(credentials.client_secret,), length=_SNIPPET, min_length=1)


def _seconds(value: object) -> float | None:
    """A number of seconds as AVIV may send it (a JSON number, or digits in a string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _NUMBER.fullmatch(value):
            return None
        value = float(value)
    if isinstance(value, int):
        return float(value) if abs(value) < 10**18 else float("inf")  # 10**400 would not fit a float
    return float(value) if isinstance(value, float) else None


def parse_token_response(
    response: httpx.Response, *, key: TokenKey, credentials: CaasCredentials, sent_at: float
) -> AccessToken:
    """The token in ``response`` (already read), expiring ``expires_in`` after ``sent_at`` (wall clock).

    Raises a TokenError subclass that says what was wrong; never one that contains the secret or a token.
    """
    traceparent = _traceparent(response)
    who = f"({key.describe()}, token URL {key.token_url}, traceparent {traceparent or 'not sent'})"
    status = response.status_code
    retry_after = (
        parse_retry_after(response.headers.get("retry-after"), now=time.time())
        if status == 429 or status >= 500
        else None
    )
    if status == 429:
        wait = f" after {retry_after:g} s" if retry_after is not None else " later"
        raise TokenRateLimitedError(
            f"AVIV's token endpoint is rate limiting token requests (429) {who}. Try again{wait}; a "
            "token is valid 24 h, so make sure tokens are cached and shared (token_store=...) "
            "rather than requested per call.",
            retry_after=retry_after,
            traceparent=traceparent,
        )
    if 400 <= status < 500:
        error, description = _oauth_error(response, credentials)
        detail = f"{error}: {description}" if description else (error or _snippet(response, credentials))
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
            f"AVIV's token endpoint failed with {status} {who}: {_snippet(response, credentials)!r}. "
            "This is on AVIV's side or a proxy's; try again later.",
            status=status,
            retry_after=retry_after,
            traceparent=traceparent,
        )
    token, problems = _read_token(response.content, sent_at)
    if token is None:
        if problems == ["not JSON"]:
            content_type = response.headers.get("content-type", "no content type")
            raise MalformedTokenResponseError(
                f"AVIV's token endpoint answered {status} with a body that is not JSON ({content_type}, "
                f"{len(response.content)} bytes: {_snippet(response, credentials)!r}) {who}. "
                "Check token_url: it must be AVIV's OAuth token endpoint.",
                traceparent=traceparent,
            )
        raise MalformedTokenResponseError(
            f"AVIV's token endpoint answered {status} without a usable bearer token {who}: "
            f"{_scrub('; '.join(problems), credentials)}. Nothing was cached; check token_url, "
            "or report the answer's traceparent to AVIV.",
            traceparent=traceparent,
        )
    return token


def _read_token(content: bytes, sent_at: float) -> tuple[AccessToken | None, list[str]]:
    """The token in a 2xx body, or None and what is wrong with it (messages that never quote the token).

    A separate frame, gone by the time the caller raises: the parsed body (and the token in it) is
    never among the locals of a traceback.
    """
    try:
        payload: Any = json.loads(content)
    except ValueError:
        return None, ["not JSON"]
    if not isinstance(payload, dict):
        return None, ["the body is not a JSON object"]
    problems = []
    value = payload.get("access_token")
    if (problem := value_problem(value)) is not None:
        problems.append(problem)
    expires_in = _seconds(payload.get("expires_in"))
    if expires_in is None:
        problems.append("expires_in is missing or not a positive number of seconds")
    elif (problem := lifetime_problem(expires_in)) is not None:
        problems.append(problem)
    token_type = payload.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        problems.append(f"token_type is {str(token_type)[:40]!r}, not 'Bearer'")
    if problems or not isinstance(value, str) or expires_in is None:
        return None, problems
    return AccessToken(value=value, expires_in=expires_in, expires_at=sent_at + expires_in), []


def _oauth_error(response: httpx.Response, credentials: CaasCredentials) -> tuple[str | None, str | None]:
    """The OAuth ``error`` and ``error_description`` of an error answer, when it has them."""
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    error, description = payload.get("error"), payload.get("error_description")
    return (
        _scrub(error, credentials) if isinstance(error, str) else None,
        _scrub(description, credentials) if isinstance(description, str) else None,
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
