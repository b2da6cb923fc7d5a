"""CaasAuth: the httpx auth flow that puts AVIV's bearer token on every API request.

On a 401 it forgets the token only if it is still the cached one, takes a new one and replays the
request once; a fresh token rejected again surfaces as TokenRejectedError (an UnauthorizedError).
A ``check`` (``create_client(validate_requests=True)``'s spec check) runs first, before the token
is even looked up: a request it refuses sends nothing at all, not even a token request.

httpx runs this flow above the transport: the CaasTransport under it (retries, traceparent) sees
each request with its token already set, and hands every 401 back here untouched, so a retry
never replays a request whose token the API rejected.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING

import httpx

from aviv_caas_auth.errors import InsecureTransportError
from aviv_caas_auth.http import raw_headers
from aviv_caas_auth.http.security import is_secure_url
from aviv_caas_auth.http.traceparent import stamp, stamp_new
from aviv_caas_auth.tokens.provider import TokenProvider
from aviv_caas_auth.tokens.token import AccessToken

if TYPE_CHECKING:
    from aviv_caas_auth.problems.errors import TokenRejectedError

_log = logging.getLogger("aviv_caas_auth")


def _replayable(request: httpx.Request) -> bool:
    """Whether the request body is in memory, so the request can be sent again."""
    return isinstance(request.stream, httpx.ByteStream)


class CaasAuth(httpx.Auth):
    """Bearer auth backed by a TokenProvider; shares its logic between httpx's sync and async flows.

    ``check(request)``, if given, runs before anything else and may raise to refuse the request.
    """

    def __init__(
        self, provider: TokenProvider, *, check: Callable[[httpx.Request], object] | None = None
    ) -> None:
        self.provider = provider
        self.check = check
        self._cached: tuple[AccessToken | None, bytes] = (None, b"")

    def __repr__(self) -> str:
        return f"CaasAuth({self.provider!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Authenticate ``request``; on 401 refresh once and replay."""
        if self.check is not None:
            self.check(request)
        token = self._prepare(request, self.provider.get_token())
        response = yield request
        if response.status_code == 401:
            response.read()
            if not self.provider.invalidate(token):
                raise _rejected(response, self.provider)
            if _replayable(request):  # else the 401 is returned; the next call gets a new token
                self._prepare_replay(request, self.provider.get_token())
                response = yield request
                if response.status_code == 401:
                    response.read()
                    raise _rejected(response, self.provider)
        _trace(request, response)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Async ``sync_auth_flow``."""
        if self.check is not None:
            self.check(request)
        token = self._prepare(request, await self.provider.aget_token())
        response = yield request
        if response.status_code == 401:
            await response.aread()
            if not await self.provider.ainvalidate(token):
                raise _rejected(response, self.provider)
            if _replayable(request):
                self._prepare_replay(request, await self.provider.aget_token())
                response = yield request
                if response.status_code == 401:
                    await response.aread()
                    raise _rejected(response, self.provider)
        _trace(request, response)

    def _prepare(self, request: httpx.Request, token: AccessToken) -> AccessToken:
        """Set the token and, unless the caller gave one, a fresh traceparent: one pass over the headers."""
        if request.url.scheme != "https":
            _require_secure(request)
        if not raw_headers.authorize(request.headers, self._authorization(token)):
            stamp_new(request)
        return token

    def _prepare_replay(self, request: httpx.Request, token: AccessToken) -> None:
        """The replay after a 401: the new token, and a new span of the same trace."""
        raw_headers.authorize(request.headers, self._authorization(token))
        stamp(request)

    def _authorization(self, token: AccessToken) -> bytes:
        """The header value for ``token``, encoded once per token (it is set on every request)."""
        cached_token, value = self._cached
        if cached_token is not token:
            value = token.authorization.encode("latin-1")
            self._cached = (token, value)
        return value


def _require_secure(request: httpx.Request) -> None:
    if not is_secure_url(request.url):
        raise InsecureTransportError(
            f"refusing to send a bearer token over plain http to {request.url.host!r}, which is not "
            "loopback: use an https base_url"
        )


def _trace(request: httpx.Request, response: httpx.Response) -> None:
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "%s %s -> %s traceparent=%s (sent %s)",
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("traceparent"),
            request.headers.get("traceparent"),
        )


def _rejected(response: httpx.Response, provider: TokenProvider) -> TokenRejectedError:
    """The error for a 401 that a new token did not (or would not) cure."""
    from aviv_caas_auth.problems.classify import (
        token_rejected_error,  # the problem machinery loads on first use
    )

    return token_rejected_error(response, who=provider.key.describe(), api=provider.api)
