"""TokenProvider: the cached AVIV access token for one client, agency and audience, sync and async.

The refresh logic is written once, as a generator that yields the I/O it needs (read the store,
fetch a token, write the store); a sync and an async driver perform that I/O. Only the drivers
differ, so both paths obey the same rules. The sync driver runs in a library-owned daemon thread
(``Flight.drive_in_thread``) for sync and async callers alike, so a refresh outlives whoever
started it (a timed-out coroutine, an ``asyncio.run()`` that ended) and its token is adopted. The
async driver serves only providers that cannot do sync I/O (an async-only transport or store of
the user's): there a coroutine's event loop drives the refresh, and it lasts as long as that loop runs.

* a token is reused until its proactive window; there one caller refreshes while the others keep
  using it; in the mandatory window callers wait for the new token. "Until" holds on both clocks
  (see ``tokens.flight.Entry``): no token is used past its wall-clock expiry, nor longer than its
  lifetime on the monotonic clock;
* one refresh at a time per (store, key) in the process: a flight (``tokens.flight``) that callers
  start or join, each waiting with its own deadline, and that no caller's timeout, cancellation or
  event loop cancels; across processes, the store's lock;
* a failed refresh keeps the current token while it is valid. With none left the error is
  raised, and no new token request is made before the backoff (1 s doubling to 5 min, longer if
  the token endpoint's ``Retry-After`` says so) has passed: meanwhile the same error is raised;
* a "new" token that expires no later than the current one (on the monotonic clock) is refused
  (refresh-loop guard); a stored token is trusted for its lifetime at most.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Generator, Mapping
from typing import Any, Final, NamedTuple

import httpx

from aviv_caas_auth import telemetry
from aviv_caas_auth._version import __version__
from aviv_caas_auth.apis import DEFAULT_API, ApiVersion
from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock, elapsed_since, reading
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints, Environment, endpoints_for
from aviv_caas_auth.errors import TokenError, TokenRefreshLoopError
from aviv_caas_auth.http.security import require_secure_url
from aviv_caas_auth.http.timeouts import checked_timeout
from aviv_caas_auth.http.transport import sends_sync
from aviv_caas_auth.http.user_agent import resolve_user_agent
from aviv_caas_auth.stores.base import MEMORY_STORE, TokenStore
from aviv_caas_auth.tokens.endpoint import build_token_request, parse_token_response, transport_failure
from aviv_caas_auth.tokens.flight import Entry, Flight, Slot, slot_for
from aviv_caas_auth.tokens.policy import RefreshPolicy
from aviv_caas_auth.tokens.token import AccessToken, TokenKey, lifetime_problem, utc_iso, value_problem

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


class _Start(NamedTuple):
    """Run this flight (a new one): the caller refreshes for everyone."""

    flight: Flight


class _Join(NamedTuple):
    """Wait for this flight, already in progress."""

    flight: Flight


_FRESH, _ADVISORY, _MANDATORY, _MISSING = "fresh", "advisory", "mandatory", "missing"


class TokenProvider:
    """The access token for ``credentials`` in ``environment``: cached, shared and refreshed by AVIV's rules.

    ``api`` ("v3" or "v4") and ``environment`` fix the audience together: a v3 and a v4 token are
    different tokens, each cached and reused for its lifetime. Every provider (and every client
    from ``create_client``) with the same credentials, audience, token URL and store shares one
    token. Use ``get_token()`` / ``await aget_token()`` when you need
    the token outside the generated client.

    Refreshes run in a daemon thread of the library's, with sync I/O. A store whose sync methods
    cannot work says so with ``supports_sync = False`` (``RedisTokenStore`` with only an asyncio
    client does); with it, or with an async-only transport in ``httpx_args``, a refresh a
    coroutine starts runs on that coroutine's event loop instead (see ``tokens.flight``).
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
        self._client_options: dict[str, Any] = {"timeout": checked_timeout(timeout), **options}
        self._slot: Slot = slot_for(self.store, self.key)
        # Refreshes run in a thread with sync I/O, unless a transport or the store cannot do sync I/O.
        transports = [options.get("transport"), *dict(options.get("mounts") or {}).values()]
        self._threaded = getattr(self.store, "supports_sync", True) is not False and all(
            sends_sync(transport) for transport in transports if transport is not None
        )

    def __repr__(self) -> str:
        return f"TokenProvider({self.key.describe()}, store={type(self.store).__name__})"

    # -- public API -------------------------------------------------------------------------

    @property
    def token_requests(self) -> int:
        """Token requests made in this process for this provider's key (by every client sharing it)."""
        return self._slot.attempts

    def get_token(self) -> AccessToken:
        """A valid token: the cached one, or a new one when AVIV's reuse rules allow it.

        Interrupting it (a signal, a soft time limit) stops only the wait: the refresh goes on in
        its thread, and its token serves the next call.
        """
        entry = self._slot.entry
        if entry is not None:
            refresh_at, clock = entry.deadlines.refresh_at, self._clock
            if clock.monotonic() < refresh_at and clock.time() - entry.skew < refresh_at:
                return entry.token
        return self._refresh_sync()

    async def aget_token(self) -> AccessToken:
        """Async ``get_token``; never waits on I/O in the event loop, and cancelling it cancels only the wait.

        The refresh runs in a thread of the library's, not in this event loop: a call that times
        out (``asyncio.wait_for``), or an ``asyncio.run()`` that ends, leaves it running, and its
        token serves the next call. The coroutine that starts a refresh blocks its loop at most
        ``tokens.flight.HEAD_START`` (5 ms), once, while the thread sends the token request.
        """
        entry = self._slot.entry
        if entry is not None:
            refresh_at, clock = entry.deadlines.refresh_at, self._clock
            if clock.monotonic() < refresh_at and clock.time() - entry.skew < refresh_at:
                return entry.token
        return await self._refresh_async()

    def invalidate(self, token: AccessToken) -> bool:
        """Forget ``token`` after the API rejected it (401), here and in the shared store.

        Only the cached token is forgotten (N parallel 401s cause one refresh). Returns False when a
        token obtained by a previous invalidation is rejected again within the policy's
        ``min_forced_refresh_interval``: fetching yet another one would not help (and would break
        AVIV's token-reuse rule), so the caller should surface the 401.
        """
        allowed, forget = self._invalidate_now(token)
        if forget:
            try:
                self.store.discard(self.key, token)
            except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
                _log.warning("could not remove a rejected token from %s: %s", type(self.store).__name__, exc)
        return allowed

    async def ainvalidate(self, token: AccessToken) -> bool:
        """Async ``invalidate``."""
        allowed, forget = self._invalidate_now(token)
        if forget:
            try:
                await self.store.adiscard(self.key, token)
            except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
                _log.warning("could not remove a rejected token from %s: %s", type(self.store).__name__, exc)
        return allowed

    # -- shared logic -----------------------------------------------------------------------

    def _state(self, entry: Entry | None, monotonic: float, wall: float) -> str:
        if entry is None:
            return _MISSING
        now, deadlines = entry.now(monotonic, wall), entry.deadlines
        if now >= deadlines.expires_at:
            return _MISSING
        if now >= deadlines.mandatory_at:
            return _MANDATORY
        if now >= deadlines.refresh_at:
            return _ADVISORY
        return _FRESH

    def _decide(self, *, coroutine: bool) -> AccessToken | _Start | _Join:
        """What this caller does now: use a token, join the refresh in flight, or start one.

        Decided under the slot's mutex, so exactly one caller starts a flight. Raises (a copy of)
        the last failure while backing off with no valid token.
        """
        stuck: list[Flight] = []
        try:
            with self._slot.mutex:
                return self._decide_locked(coroutine, stuck)
        finally:
            for flight in stuck:  # logged once the mutex is released: it is never held across I/O
                _log.warning(
                    "dropping a token refresh that can no longer finish (%r); starting another", flight
                )

    def _decide_locked(self, coroutine: bool, stuck: list[Flight]) -> AccessToken | _Start | _Join:
        slot, policy, clock = self._slot, self._policy, self._clock
        entry, monotonic, wall = slot.entry, clock.monotonic(), clock.time()
        state = self._state(entry, monotonic, wall)
        if entry is not None and state == _FRESH:
            return entry.token  # refreshed meanwhile
        flight = slot.flight
        if flight is not None and flight.hopeless():
            stuck.append(flight)
            slot.flight = flight = None
        backing_off = monotonic < slot.retry_at
        someone_refreshes = flight is not None or slot.parent_refreshing  # here, or in the parent (a fork)
        if entry is not None and state == _ADVISORY and (someone_refreshes or backing_off):
            return entry.token  # someone refreshes, or the last attempt failed: keep the current token
        if entry is not None and state == _MANDATORY and flight is None and backing_off:
            return entry.token
        if state == _MISSING and flight is None and backing_off and slot.failure is not None:
            raise self._backing_off(slot, slot.failure, slot.retry_at - monotonic, wall)
        if flight is not None:
            if coroutine or flight.loop is None or flight.runner is not threading.current_thread():
                return _Join(flight)
            # A sync call in the thread whose event loop drives the flight (an async-only transport
            # or store): waiting would block the loop the flight needs. Refresh apart (a rare
            # duplicate request beats a deadlock).
            return _Start(Flight(stuck_after=policy.stuck_refresh_after))
        flight = slot.flight = Flight(stuck_after=policy.stuck_refresh_after)
        slot.parent_refreshing = False  # from now on, this process refreshes for itself
        return _Start(flight)

    def _backing_off(self, slot: Slot, failure: TokenError, remaining: float, wall: float) -> TokenError:
        error = copy.copy(failure)
        attempts = slot.consecutive_failures
        error.__notes__ = [
            *getattr(failure, "__notes__", ()),
            f"aviv-caas: no new token request before {utc_iso(wall + remaining)} (in {remaining:.0f} s), "
            f"backing off after {attempts} failed attempt{'s' if attempts != 1 else ''}; this error is "
            "the last attempt's",
        ]
        return error

    def _invalidate_now(self, token: AccessToken) -> tuple[bool, bool]:
        slot, clock = self._slot, self._clock
        with slot.mutex:
            if slot.entry is None or slot.entry.token.value != token.value:
                return True, False  # already replaced: the caller just takes the current token
            forced_at = slot.forced_at
            if (
                forced_at is not None
                and elapsed_since(clock, forced_at) < self._policy.min_forced_refresh_interval
            ):
                return False, False
            slot.forced_at = reading(clock)
            slot.entry = None
            slot.retry_at = float("-inf")  # a rejected token is a new reason to ask: no earlier backoff
            slot.rejected.append(token.fingerprint)
        _log.info("access token %s rejected by the API (401); %s", token.fingerprint, self.key.describe())
        return True, True

    def _valid(self) -> Entry | None:
        """The current entry if it is still valid."""
        slot, clock = self._slot, self._clock
        with slot.mutex:
            entry = slot.entry
            return entry if self._state(entry, clock.monotonic(), clock.time()) != _MISSING else None

    def _flow(self) -> _Flow:
        """Refresh (in a flight): reuse a token another process stored meanwhile, else fetch one."""
        valid = self._valid()
        try:
            stored = yield _Load()
        except Exception as exc:  # noqa: BLE001 - a store failure must not fail the call
            _log.warning("could not read %s: %s", type(self.store).__name__, exc)
            stored = None
        if isinstance(stored, AccessToken):
            adopted = self._adopt(stored, valid)
            if adopted is not None:
                valid = adopted
                if self._state(adopted, self._clock.monotonic(), self._clock.time()) == _FRESH:
                    _log.debug("reusing the stored access token %s", stored.fingerprint)
                    return stored
        return (yield from self._fetch(valid))

    def _adopt(self, stored: AccessToken, valid: Entry | None) -> Entry | None:
        """``stored`` as the slot's entry, if it can be trusted and outlives ``valid``."""
        slot, policy = self._slot, self._policy
        own = slot.entry
        if own is not None and stored.value == own.token.value:
            self._note_wall_clock_moved_back(own)
            return None  # the very token this process holds: its deadlines stand
        if stored.fingerprint in slot.rejected:
            return None  # rejected by the API
        monotonic, wall = self._clock.monotonic(), self._clock.time()
        remaining = stored.expires_at - wall
        problem = value_problem(stored.value) or lifetime_problem(stored.expires_in)
        if problem is None and remaining > stored.expires_in + policy.max_clock_skew:
            problem = (
                f"it expires further away than its lifetime allows ({utc_iso(stored.expires_at)}, in "
                f"{remaining:.0f} s, for a token of {stored.expires_in:g} s): the record was written under "
                "a clock far ahead of this host's, or forged"
            )
        if problem is not None:
            _log.warning(
                "ignoring the stored access token %s in %s: %s; fetching a new one",
                stored.fingerprint,
                type(self.store).__name__,
                problem,
            )
            return None
        remaining = min(remaining, stored.expires_in)  # trusted for its lifetime at most
        expires_at = monotonic + remaining
        if remaining <= 0 or (valid is not None and expires_at <= valid.deadlines.expires_at):
            return None
        entry = Entry(stored, policy.deadlines(expires_at=expires_at, lifetime=stored.expires_in))
        self._commit(entry)
        return entry

    def _note_wall_clock_moved_back(self, entry: Entry) -> None:
        """Say so, neutrally, when the wall clock moved back since ``entry``'s token was fetched.

        Its expiry stands on the monotonic clock (the wall clock alone never extends a token), so
        this changes nothing; but the token's wall-clock date now looks further away than its
        lifetime, and whoever reads the log should know why.
        """
        monotonic = self._clock.monotonic()
        back = monotonic - (self._clock.time() - entry.skew)
        if back > self._policy.max_clock_skew:
            left = entry.deadlines.expires_at - monotonic
            _log.warning(
                "the wall clock moved back by %.0f s (%.1f h) since access token %s was fetched; trusting "
                "the monotonic clock, on which it %s (%s)",
                back,
                back / 3600,
                entry.token.fingerprint,
                f"expires in {left:.0f} s" if left > 0 else "has expired",
                self.key.describe(),
            )

    def _commit(self, entry: Entry) -> None:
        """Make ``entry`` the slot's token, unless a concurrent refresh left one that lasts longer."""
        slot = self._slot
        with slot.mutex:
            if slot.entry is None or slot.entry.deadlines.expires_at <= entry.deadlines.expires_at:
                slot.entry = entry

    def _fetch(self, valid: Entry | None) -> _Flow:
        slot, clock = self._slot, self._clock
        sent_mono, sent_wall = clock.monotonic(), clock.time()
        request = build_token_request(self._credentials, self.endpoints, self.user_agent)
        try:
            response = yield _Fetch(request)
            token = parse_token_response(
                response, key=self.key, credentials=self._credentials, sent_at=sent_wall
            )
            expires_at = sent_mono + token.expires_in
            if valid is not None and expires_at <= valid.deadlines.expires_at:
                raise TokenRefreshLoopError(
                    f"the token endpoint returned a token expiring in {token.expires_in:g} s, no later than "
                    f"the current one (which has {valid.deadlines.expires_at - sent_mono:.0f} s left); not "
                    f"replacing it ({self.key.describe()})"
                )
        except TokenError as exc:
            return self._failed(exc, valid)
        self._commit(Entry(token, self._policy.deadlines(expires_at=expires_at, lifetime=token.expires_in)))
        with slot.mutex:
            slot.attempts += 1
            slot.consecutive_failures, slot.failure, slot.retry_at = 0, None, float("-inf")
        _log.info(
            "%s AVIV access token %s for %s; expires in %g s (at %s)",
            "refreshed" if valid is not None else "fetched",
            token.fingerprint,
            self.key.describe(),
            token.expires_in,
            utc_iso(token.expires_at),
        )
        try:
            yield _Save(token)
        except Exception as exc:  # noqa: BLE001 - the token is still good in this process
            _log.warning("could not write the token to %s: %s", type(self.store).__name__, exc)
        return token

    def _failed(self, exc: TokenError, valid: Entry | None) -> AccessToken:
        slot = self._slot
        with slot.mutex:
            slot.attempts += 1
            slot.consecutive_failures += 1
            slot.failure = exc
            backoff = self._policy.backoff(slot.consecutive_failures, getattr(exc, "retry_after", None))
            slot.retry_at = self._clock.monotonic() + backoff
        if valid is None or self._state(valid, self._clock.monotonic(), self._clock.time()) == _MISSING:
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
        while True:
            step = self._decide(coroutine=False)
            if isinstance(step, AccessToken):
                return step
            if isinstance(step, _Start) and not self._in_thread(step.flight):
                self._fly_sync(step.flight)  # no thread to be had (interpreter shutdown): this one
            if step.flight.wait():  # the starter waits like everyone: its interruption stops only that
                token = step.flight.outcome()
                if token is not None:
                    return token
            # abandoned, or can no longer land: decide again (join another flight, or start one)

    def _in_thread(self, flight: Flight) -> bool:
        """Start ``_fly_sync(flight)`` in a daemon thread of its own; False if no thread could start."""
        return flight.drive_in_thread(
            lambda: self._fly_sync(flight), name=f"aviv-caas token refresh {self.key.client_id}"
        )

    def _fly_sync(self, flight: Flight) -> None:
        """Refresh with sync I/O; ``flight`` lands whatever happens, so its waiters never hang."""
        try:
            with contextlib.ExitStack() as stack:
                try:
                    stack.enter_context(self.store.lock(self.key))
                except Exception as exc:  # noqa: BLE001 - go on without the cross-process lock
                    _log.warning(
                        "could not lock %s, refreshing without it: %s", type(self.store).__name__, exc
                    )
                token = self._drive_sync(self._flow(), flight)
        except Exception as exc:  # noqa: BLE001 - handed to the waiters
            self._slot.land(flight, error=exc)
        except BaseException:  # interrupted (in the caller's thread): the waiters start again
            self._slot.land(flight)
            raise
        else:
            self._slot.land(flight, token)

    def _drive_sync(self, flow: _Flow, flight: Flight) -> AccessToken:
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
                reply = self._perform_sync(effect, flight)
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
                error = exc

    def _perform_sync(self, effect: _Effect, flight: Flight) -> Any:
        match effect:
            case _Fetch(request):
                request.extensions["trace"] = flight.trace  # tells it when the request is sent
                return self._send_sync(request)
            case _Load():
                return self.store.load(self.key)
            case _Save(token):
                return self.store.save(self.key, token)

    def _send_sync(self, request: httpx.Request) -> httpx.Response:
        with telemetry.token_request(self.key, request) as outcome:
            try:
                if "transport" in self._client_options:  # the caller's transport: do not close it
                    response = httpx.Client(**self._client_options).send(request)
                else:
                    with httpx.Client(**self._client_options) as client:
                        response = client.send(request)
            except httpx.TransportError as exc:
                # The cause keeps its message, not its frames: httpcore's locals may hold the request body.
                raise transport_failure(exc, self.key) from exc.with_traceback(None)
            outcome.answered(response)
            return response

    # -- async I/O ----------------------------------------------------------------------------

    async def _refresh_async(self) -> AccessToken:
        while True:
            step = self._decide(coroutine=True)
            if isinstance(step, AccessToken):
                return step
            flight = step.flight
            if isinstance(step, _Start):
                if self._threaded and self._in_thread(flight):
                    flight.give_head_start()  # at most HEAD_START: the token request leaves first
                else:
                    self._launch(flight)  # async-only I/O (or no thread to be had): this event loop drives it
            if await flight.wait_async():  # the starter waits like everyone: its cancellation stops only that
                token = flight.outcome()
                if token is not None:
                    return token

    def _launch(self, flight: Flight) -> None:
        """Run ``flight`` as a task of the running event loop, owned by no caller (async-only I/O)."""
        import asyncio  # deferred: asyncio is imported where a coroutine first needs it

        loop = asyncio.get_running_loop()
        flight.loop = loop
        flight.task = loop.create_task(
            self._fly_async(flight), name=f"aviv-caas token refresh {self.key.client_id}"
        )
        flight.task.add_done_callback(lambda _: self._slot.land(flight))  # cancelled before it ran: abandoned

    async def _fly_async(self, flight: Flight) -> None:
        """Async ``_fly_sync``: the task's outcome is the flight's, so the task itself never fails."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                try:
                    await stack.enter_async_context(self.store.alock(self.key))
                except Exception as exc:  # noqa: BLE001 - go on without the cross-process lock
                    _log.warning(
                        "could not lock %s, refreshing without it: %s", type(self.store).__name__, exc
                    )
                token = await self._drive_async(self._flow())
        except Exception as exc:  # noqa: BLE001 - handed to the waiters
            self._slot.land(flight, error=exc)
        except BaseException:  # cancelled (its event loop is closing): the waiters start again
            self._slot.land(flight)
            raise
        else:
            self._slot.land(flight, token)

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
        with telemetry.token_request(self.key, request) as outcome:
            try:
                if "transport" in self._client_options:  # the caller's transport: do not close it
                    response = await httpx.AsyncClient(**self._client_options).send(request)
                else:
                    async with httpx.AsyncClient(**self._client_options) as client:
                        response = await client.send(request)
            except httpx.TransportError as exc:
                raise transport_failure(exc, self.key) from exc.with_traceback(None)
            outcome.answered(response)
            return response
