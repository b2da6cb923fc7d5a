"""TokenProvider: the cached AVIV access token for one client, agency and audience, sync and async.

The refresh logic is written once, as a generator that yields the I/O it needs (read the store,
fetch a token, write the store); a sync and an async driver perform that I/O. Only the drivers
differ, so both paths obey the same rules:

* a token is reused until its proactive window; there one caller refreshes while the others keep
  using it; in the mandatory window callers wait for the new token;
* one refresh at a time per (store, key) in the process, and across processes through the
  store's lock; callers that waited for a refresh take its outcome instead of repeating it;
* a failed refresh keeps the current token while it is valid and backs off; only when no valid
  token is left does the caller get the error;
* a "new" token that expires no later than the current one is refused (refresh-loop guard).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Generator, Mapping
from typing import Any, Final, NamedTuple

import httpx

from aviv_caas_auth._version import __version__
from aviv_caas_auth.apis import DEFAULT_API, ApiVersion
from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints, Environment, endpoints_for
from aviv_caas_auth.errors import TokenError, TokenRefreshLoopError
from aviv_caas_auth.http.security import require_secure_url
from aviv_caas_auth.http.user_agent import resolve_user_agent
from aviv_caas_auth.stores.base import MEMORY_STORE, TokenStore
from aviv_caas_auth.tokens.endpoint import build_token_request, parse_token_response, transport_failure
from aviv_caas_auth.tokens.flight import Entry, Slot, slot_for
from aviv_caas_auth.tokens.policy import RefreshPolicy
from aviv_caas_auth.tokens.token import AccessToken, TokenKey, utc_iso

_log = logging.getLogger("aviv_caas_auth")

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""Timeouts used unless told otherwise: 10 s to connect, 30 s for the rest."""

# httpx options that also apply to token requests (the rest only concern API calls).
_TOKEN_HTTP_OPTIONS = frozenset(
    {"transport", "verify", "cert", "proxy", "mounts", "trust_env", "http1", "http2", "limits"}
)


# The effects are NamedTuples, not attrs classes: they import faster (see ``policy.Deadlines``).
class _Load(NamedTuple):
    """Read the store."""


class _Save(NamedTuple):
    """Write the store."""

    token: AccessToken


class _Fetch(NamedTuple):
    """Send a token request; the reply is the read httpx.Response (or a TokenError is thrown in)."""

    request: httpx.Request


_Effect = _Load | _Save | _Fetch
_Flow = Generator[_Effect, Any, AccessToken]

_FRESH, _ADVISORY, _MANDATORY, _MISSING = "fresh", "advisory", "mandatory", "missing"


class TokenProvider:
    """The access token for ``credentials`` in ``environment``: cached, shared and refreshed by AVIV's rules.

    ``api`` ("v3" or "v4") and ``environment`` fix the audience together: a v3 and a v4 token are
    different tokens, each cached and reused for its lifetime. Every provider (and every client
    from ``create_client``) with the same credentials, audience, token URL and store shares one
    token. Use ``get_token()`` / ``await aget_token()`` when you need
    the token outside the generated client.
    """

    def __init__(
        self,
        credentials: CaasCredentials,
        *,
        user_agent: str,
        environment: Environment = "production",
        api: ApiVersion = DEFAULT_API,
        token_url: str | None = None,
        token_store: TokenStore | None = None,
        clock: Clock | None = None,
        refresh_policy: RefreshPolicy | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        httpx_args: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(credentials, CaasCredentials):
            raise TypeError(f"credentials must be CaasCredentials, not {type(credentials).__name__}")
        self.endpoints: Endpoints = endpoints_for(environment, api=api, token_url=token_url)
        self.api: ApiVersion = api
        require_secure_url(self.endpoints.token_url, what="token_url")
        self.user_agent = resolve_user_agent(user_agent, tool_version=__version__)
        self.key = TokenKey.of(credentials, self.endpoints)
        self.store: TokenStore = MEMORY_STORE if token_store is None else token_store
        self._credentials = credentials
        self._clock = SYSTEM_CLOCK if clock is None else clock
        self._policy = RefreshPolicy() if refresh_policy is None else refresh_policy
        options = {k: v for k, v in (httpx_args or {}).items() if k in _TOKEN_HTTP_OPTIONS}
        self._client_options: dict[str, Any] = {"timeout": timeout, **options}
        self._slot: Slot = slot_for(self.store, self.key)

    def __repr__(self) -> str:
        return f"TokenProvider({self.key.describe()}, store={type(self.store).__name__})"

    # -- public API -------------------------------------------------------------------------

    @property
    def token_requests(self) -> int:
        """Token requests made in this process for this provider's key (by every client sharing it)."""
        return self._slot.attempts

    def get_token(self) -> AccessToken:
        """A valid token: the cached one, or a new one when AVIV's reuse rules allow it."""
        entry = self._slot.entry
        if entry is not None and self._clock.monotonic() < entry.deadlines.refresh_at:
            return entry.token
        return self._refresh_sync()

    async def aget_token(self) -> AccessToken:
        """Async ``get_token``; never blocks the event loop."""
        entry = self._slot.entry
        if entry is not None and self._clock.monotonic() < entry.deadlines.refresh_at:
            return entry.token
        return await self._refresh_async()

    def invalidate(self, token: AccessToken) -> bool:
        """Forget ``token`` after the API rejected it (401), here and in the shared store.

        Only the cached token is forgotten (N parallel 401s cause one refresh). Returns False when a
        token obtained by a previous invalidation is rejected again within the policy's
        ``min_forced_refresh_interval``: fetching yet another one would not help (and would break
        AVIV's token-reuse rule), so the caller should surface the 401.
        """
        with self._slot.lock:
            allowed, forget = self._invalidate_locked(token)
        if forget:
            try:
                self.store.discard(self.key, token)
            except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
                _log.warning("could not remove a rejected token from %s: %s", type(self.store).__name__, exc)
        return allowed

    async def ainvalidate(self, token: AccessToken) -> bool:
        """Async ``invalidate``."""
        async with self._slot.hold_async():
            allowed, forget = self._invalidate_locked(token)
        if forget:
            try:
                await self.store.adiscard(self.key, token)
            except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
                _log.warning("could not remove a rejected token from %s: %s", type(self.store).__name__, exc)
        return allowed

    # -- shared logic -----------------------------------------------------------------------

    def _state(self, entry: Entry | None, now: float) -> str:
        if entry is None or now >= entry.deadlines.expires_at:
            return _MISSING
        if now >= entry.deadlines.mandatory_at:
            return _MANDATORY
        if now >= entry.deadlines.refresh_at:
            return _ADVISORY
        return _FRESH

    def _without_lock(self) -> tuple[AccessToken | None, str, int]:
        """Decide before locking: a token to return now, or the state that needs the lock."""
        slot = self._slot
        seen = slot.attempts
        entry = slot.entry
        now = self._clock.monotonic()
        state = self._state(entry, now)
        if entry is not None and (state == _FRESH or (state != _MISSING and now < slot.retry_at)):
            return entry.token, state, seen  # fresh after all, or backing off after a failed refresh
        return None, state, seen

    def _invalidate_locked(self, token: AccessToken) -> tuple[bool, bool]:
        slot = self._slot
        if slot.entry is None or slot.entry.token.value != token.value:
            return True, False  # already replaced: the caller just takes the current token
        now = self._clock.monotonic()
        if slot.forced_at is not None and now - slot.forced_at < self._policy.min_forced_refresh_interval:
            return False, False
        slot.forced_at = now
        slot.entry = None
        slot.rejected.append(token.fingerprint)
        _log.info("access token %s rejected by the API (401); %s", token.fingerprint, self.key.describe())
        return True, True

    def _flow(self, seen: int) -> _Flow:
        """Refresh under the locks: reuse what others did meanwhile, else the store, else fetch."""
        slot, now = self._slot, self._clock.monotonic()
        entry = slot.entry
        state = self._state(entry, now)
        if entry is not None and state == _FRESH:
            return entry.token  # refreshed while we waited
        valid = entry if state != _MISSING else None
        if slot.attempts != seen and slot.failure is not None:
            if valid is not None:  # an attempt failed while we waited: do not repeat it
                return valid.token
            raise copy.copy(slot.failure)
        if valid is not None and now < slot.retry_at:
            return valid.token
        try:
            stored = yield _Load()
        except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
            _log.warning("could not read %s: %s", type(self.store).__name__, exc)
            stored = None
        if isinstance(stored, AccessToken) and stored.fingerprint not in slot.rejected:
            remaining = stored.expires_at - self._clock.time()
            candidate = Entry(
                stored, self._policy.deadlines(expires_at=now + remaining, lifetime=stored.expires_in)
            )
            if remaining > 0 and (valid is None or stored.expires_at > valid.token.expires_at):
                slot.entry = valid = candidate
                if self._state(candidate, now) == _FRESH:
                    _log.debug("reusing the stored access token %s", stored.fingerprint)
                    return stored
        return (yield from self._fetch(valid))

    def _fetch(self, valid: Entry | None) -> _Flow:
        slot, clock = self._slot, self._clock
        sent_mono, sent_wall = clock.monotonic(), clock.time()
        request = build_token_request(self._credentials, self.endpoints, self.user_agent)
        try:
            response = yield _Fetch(request)
            token = parse_token_response(
                response, key=self.key, secret=self._credentials.client_secret, sent_at=sent_wall
            )
            if valid is not None and token.expires_at <= valid.token.expires_at:
                raise TokenRefreshLoopError(
                    f"the token endpoint returned a token expiring at {utc_iso(token.expires_at)}, no later "
                    f"than the current one ({utc_iso(valid.token.expires_at)}); not replacing it "
                    f"({self.key.describe()})"
                )
        except TokenError as exc:
            return self._failed(exc, valid)
        lifetime = token.expires_in
        slot.entry = Entry(token, self._policy.deadlines(expires_at=sent_mono + lifetime, lifetime=lifetime))
        slot.attempts += 1
        slot.consecutive_failures, slot.failure, slot.retry_at = 0, None, float("-inf")
        _log.info(
            "%s AVIV access token %s for %s; expires in %g s (at %s)",
            "refreshed" if valid is not None else "fetched",
            token.fingerprint,
            self.key.describe(),
            lifetime,
            utc_iso(token.expires_at),
        )
        try:
            yield _Save(token)
        except Exception as exc:  # noqa: BLE001 - the token is still good in this process
            _log.warning("could not write the token to %s: %s", type(self.store).__name__, exc)
        return token

    def _failed(self, exc: TokenError, valid: Entry | None) -> AccessToken:
        slot = self._slot
        slot.attempts += 1
        slot.consecutive_failures += 1
        slot.failure = exc
        backoff = self._policy.backoff(slot.consecutive_failures)
        slot.retry_at = self._clock.monotonic() + backoff
        if valid is None:
            raise exc
        _log.warning(
            "token refresh failed (%s); keeping the current token %s until %s, next attempt in %g s",
            exc,
            valid.token.fingerprint,
            utc_iso(valid.token.expires_at),
            backoff,
        )
        return valid.token

    # -- sync I/O -----------------------------------------------------------------------------

    def _refresh_sync(self) -> AccessToken:
        token, state, seen = self._without_lock()
        if token is not None:
            return token
        lock = self._slot.lock
        if state == _ADVISORY:
            if not lock.acquire(blocking=False):  # another caller is refreshing: keep the current token
                entry = self._slot.entry
                if entry is not None:
                    return entry.token
                lock.acquire()
        else:
            lock.acquire()
        try:
            with contextlib.ExitStack() as stack:
                try:
                    stack.enter_context(self.store.lock(self.key))
                except Exception as exc:  # noqa: BLE001 - go on without the cross-process lock
                    _log.warning(
                        "could not lock %s, refreshing without it: %s", type(self.store).__name__, exc
                    )
                return self._drive_sync(self._flow(seen))
        finally:
            lock.release()

    def _drive_sync(self, flow: _Flow) -> AccessToken:
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as done:
                token: AccessToken = done.value
                return token
            reply, error = None, None
            try:
                reply = self._perform_sync(effect)
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
                error = exc

    def _perform_sync(self, effect: _Effect) -> Any:
        match effect:
            case _Fetch(request):
                return self._send_sync(request)
            case _Load():
                return self.store.load(self.key)
            case _Save(token):
                return self.store.save(self.key, token)

    def _send_sync(self, request: httpx.Request) -> httpx.Response:
        try:
            if "transport" in self._client_options:  # the caller's transport: do not close it
                return httpx.Client(**self._client_options).send(request)
            with httpx.Client(**self._client_options) as client:
                return client.send(request)
        except httpx.TransportError as exc:
            raise transport_failure(exc, self.key) from exc

    # -- async I/O ----------------------------------------------------------------------------

    async def _refresh_async(self) -> AccessToken:
        token, state, seen = self._without_lock()
        if token is not None:
            return token
        slot = self._slot
        if state == _ADVISORY and slot.lock.acquire(blocking=False):
            try:
                return await self._locked_async(seen)
            finally:
                slot.lock.release()
        if state == _ADVISORY and slot.entry is not None:
            return slot.entry.token  # another caller is refreshing: keep the current token
        async with slot.hold_async():
            return await self._locked_async(seen)

    async def _locked_async(self, seen: int) -> AccessToken:
        async with contextlib.AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.store.alock(self.key))
            except Exception as exc:  # noqa: BLE001 - go on without the cross-process lock
                _log.warning("could not lock %s, refreshing without it: %s", type(self.store).__name__, exc)
            return await self._drive_async(self._flow(seen))

    async def _drive_async(self, flow: _Flow) -> AccessToken:
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as done:
                token: AccessToken = done.value
                return token
            reply, error = None, None
            try:
                reply = await self._perform_async(effect)
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
                error = exc

    async def _perform_async(self, effect: _Effect) -> Any:
        match effect:
            case _Fetch(request):
                return await self._send_async(request)
            case _Load():
                return await self.store.aload(self.key)
            case _Save(token):
                return await self.store.asave(self.key, token)

    async def _send_async(self, request: httpx.Request) -> httpx.Response:
        try:
            if "transport" in self._client_options:  # the caller's transport: do not close it
                return await httpx.AsyncClient(**self._client_options).send(request)
            async with httpx.AsyncClient(**self._client_options) as client:
                return await client.send(request)
        except httpx.TransportError as exc:
            raise transport_failure(exc, self.key) from exc
