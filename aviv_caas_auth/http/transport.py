"""CaasTransport: the httpx transport under every ``create_client`` client (sync and async).

Per request it adds a ``traceparent`` (see :mod:`aviv_caas_auth.http.traceparent`), sends it through
the real transport, reads the answer's body, and applies the :class:`~aviv_caas_auth.http.retry.RetryPolicy`.
Network failures the policy does not (or no longer) retry become :class:`ApiTimeoutError` or
:class:`ApiConnectionError`, never a raw httpx exception.

httpx runs the auth flow *above* the transport: the bearer token is set before the transport sees
the request, and a 401 is handed back to :class:`~aviv_caas_auth.http.auth.CaasAuth`, never retried
here. So a retry never replays a request carrying a token the API rejected.

The body is read here (the generated client reads every body anyway) so that a connection that
breaks, or times out, half-way through an answer is retried or typed like any other failure.

Pools never cross a fork or an event loop. A connection pool belongs to one process (a forked
child that sent on its parent's pooled connection would interleave both processes' bytes on one
socket) and, for asyncio, to one event loop (its sockets are that loop's; each ``asyncio.run()``
makes a new loop). So the transports built here are per process (dropped in a forked child, see
``aviv_caas_auth.forksafe``) and, for async, per event loop: one client serves many
``asyncio.run()`` calls, threads with their own loops, and forked children. A transport you pass
(``httpx_args['transport']``) is used as it is; when it turns out bound to another event loop,
the call fails typed (``ApiConnectionError`` / ``TokenConnectionError``) and says why.

With a rate budget (``create_client(rate_budget=...)``, or a batch's: :mod:`aviv_caas_auth.http.budgeting`)
each attempt first waits for room in it, and a 429 pauses everyone sharing it. Neither that wait
nor a retry's outlasts the caller's deadline (:mod:`aviv_caas_auth.http.deadline`, a workflow's
``timeout``). With an OpenTelemetry
SDK installed, each attempt is a span (:mod:`aviv_caas_auth.telemetry`); otherwise neither costs
more than a lookup per request.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from aviv_caas_auth import forksafe, telemetry
from aviv_caas_auth.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTransportError,
    CaasError,
    ConfigurationError,
)
from aviv_caas_auth.http import budgeting, deadline, pacing, raw_headers
from aviv_caas_auth.http.retry import NEVER_SENT, Attempts, RetryPolicy, log_retry
from aviv_caas_auth.http.retry_after import parse_retry_after
from aviv_caas_auth.http.traceparent import TRACE_EXTENSION, stamp

if TYPE_CHECKING:
    import asyncio

    from opentelemetry.trace import Tracer

    from aviv_caas_auth.budget.protocol import RateBudget

_log = logging.getLogger("aviv_caas_auth")

# httpx.Client options that shape the connection, and so the transport create_client builds.
CONNECTION_OPTIONS = frozenset({"verify", "cert", "trust_env", "http1", "http2", "limits", "proxy"})


class CaasTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Traceparent, retries and typed network errors around a real transport, sync and async.

    ``transport`` is the transport to wrap (sync, async or both); without one, an
    ``httpx.HTTPTransport`` / ``httpx.AsyncHTTPTransport`` is built on first use from
    ``connection`` (``verify``, ``cert``, ``trust_env``, ``http1``, ``http2``, ``limits``, ``proxy``).
    ``retry=None`` sends every request once. ``trace=False`` adds no traceparent (nor spans, nor
    429 counts: token requests, which the token provider traces), and ``typed_errors=False`` lets
    httpx's exceptions through (for token requests, whose caller turns them into TokenErrors).
    ``budget`` is the rate budget each attempt spends, under ``client_id`` (the AVIV client id); a
    batch's budget (:mod:`aviv_caas_auth.http.budgeting`) replaces it. A transport without a
    ``client_id`` (the token requests') spends none.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        *,
        retry: RetryPolicy | None,
        connection: Mapping[str, Any] | None = None,
        trace: bool = True,
        typed_errors: bool = True,
        budget: RateBudget | None = None,
        client_id: str | None = None,
    ) -> None:
        self.retry = retry
        if budget is not None and not client_id:
            raise ConfigurationError(
                "a rate budget is spent per AVIV client id: pass CaasTransport(budget=..., client_id=...)"
            )
        self.budget = None if budget is None else budgeting.checked(budget, "budget")
        self.client_id = client_id
        self._given = transport
        self._connection = dict(connection or {})
        self._trace = trace
        self._typed_errors = typed_errors
        self._sync: httpx.BaseTransport | None = (
            transport if isinstance(transport, httpx.BaseTransport) else None
        )
        self._async: httpx.AsyncBaseTransport | None = (
            transport if isinstance(transport, httpx.AsyncBaseTransport) else None
        )
        # Built here when none is given: one per event loop (the last one used, then the others).
        self._last_loop: tuple[object, httpx.AsyncBaseTransport | None] = (None, None)
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncBaseTransport] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        """Forget the parent's pools (their sockets are the parent's); the next request opens new ones."""
        self._lock = threading.Lock()
        if self._given is None:
            self._sync = None
            self._last_loop = (None, None)
            self._by_loop = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        inner = type(self._given).__name__ if self._given is not None else "HTTPTransport"
        return f"CaasTransport({inner}, retry={self.retry!r})"

    # -- sync ---------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, retrying by the policy; the answer's body is read."""
        inner = self._sync or self._open_sync()
        if self._trace and TRACE_EXTENSION not in request.extensions:  # CaasAuth stamps API requests
            stamp(request)
        retry = self.retry
        started = retry.clock.monotonic() if retry is not None else 0.0
        attempts: Attempts | None = None  # bookkeeping starts with the first failure (rare)
        key = self.client_id or ""
        budget = budgeting.current(self.budget) if key else None
        traced = telemetry.tracer() if self._trace else None
        while True:
            if budget is not None:
                budget.acquire(key, timeout=deadline.remaining())  # the caller's deadline bounds it too
            try:
                if traced is None:
                    response = inner.handle_request(request)
                    _read(response)
                else:
                    response = self._send_traced(traced, inner, request, attempts)
            except httpx.TransportError as error:
                attempts, wait = self._again(request, error, attempts, started)
                if attempts is None or wait is None:
                    raise self._failure(error, request, attempts) from error
            else:
                status = response.status_code
                if status == 429:
                    self._rate_limited(request, response, budget, key)
                if retry is None or status not in retry.statuses:  # the common case
                    return response
                attempts, wait = self._again(request, response, attempts, started)
                if attempts is None or wait is None:
                    return response
            attempts.policy.sleep(wait)

    def _send_traced(
        self, traced: Tracer, inner: httpx.BaseTransport, request: httpx.Request, attempts: Attempts | None
    ) -> httpx.Response:
        """One attempt, in its span."""
        span = telemetry.start_attempt(traced, request, _resends(attempts), self.client_id)
        try:
            response = inner.handle_request(request)
            _read(response)
        except BaseException as error:
            telemetry.end_attempt(span, error=error)
            raise
        telemetry.end_attempt(span, response)
        return response

    def _rate_limited(
        self, request: httpx.Request, response: httpx.Response, budget: RateBudget | None, key: str
    ) -> None:
        """A 429: tell the batch (pacing), count it, and pause everyone sharing the budget."""
        seconds = self._report_429(request, response)
        if budget is not None:
            try:
                budget.pause(key, seconds)
            except CaasError as error:  # the request was sent: its answer, not this, is the outcome
                _log.warning("could not pause the rate budget after a 429: %s", error)

    def close(self) -> None:
        """Close the sync transport."""
        if self._sync is not None:
            self._sync.close()

    def _open_sync(self) -> httpx.BaseTransport:
        with self._lock:
            if self._sync is None:
                if self._given is not None:
                    raise ConfigurationError(
                        f"httpx_args['transport'] is {type(self._given).__name__}, an async-only transport: "
                        "sync calls need an httpx.BaseTransport"
                    )
                self._sync = httpx.HTTPTransport(**self._connection)
            return self._sync

    # -- async --------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Async ``handle_request``."""
        inner = self._async or self._open_async()
        if self._trace and TRACE_EXTENSION not in request.extensions:  # CaasAuth stamps API requests
            stamp(request)
        retry = self.retry
        started = retry.clock.monotonic() if retry is not None else 0.0
        attempts: Attempts | None = None  # bookkeeping starts with the first failure (rare)
        key = self.client_id or ""
        budget = budgeting.current(self.budget) if key else None
        traced = telemetry.tracer() if self._trace else None
        while True:
            if budget is not None:
                await budget.aacquire(key, timeout=deadline.remaining())
            try:
                try:
                    if traced is None:
                        response = await inner.handle_async_request(request)
                        await _aread(response)
                    else:
                        response = await self._asend_traced(traced, inner, request, attempts)
                except RuntimeError as error:
                    raise _other_loop(error, given=self._given is not None) from error
            except httpx.TransportError as error:
                attempts, wait = self._again(request, error, attempts, started)
                if attempts is None or wait is None:
                    raise self._failure(error, request, attempts) from error
            else:
                status = response.status_code
                if status == 429:
                    await self._arate_limited(request, response, budget, key)
                if retry is None or status not in retry.statuses:  # the common case
                    return response
                attempts, wait = self._again(request, response, attempts, started)
                if attempts is None or wait is None:
                    return response
            await attempts.policy.async_sleep(wait)

    async def _asend_traced(
        self,
        traced: Tracer,
        inner: httpx.AsyncBaseTransport,
        request: httpx.Request,
        attempts: Attempts | None,
    ) -> httpx.Response:
        """Async ``_send_traced``."""
        span = telemetry.start_attempt(traced, request, _resends(attempts), self.client_id)
        try:
            response = await inner.handle_async_request(request)
            await _aread(response)
        except BaseException as error:
            telemetry.end_attempt(span, error=error)
            raise
        telemetry.end_attempt(span, response)
        return response

    async def _arate_limited(
        self, request: httpx.Request, response: httpx.Response, budget: RateBudget | None, key: str
    ) -> None:
        """Async ``_rate_limited``."""
        seconds = self._report_429(request, response)
        if budget is not None:
            try:
                await budget.apause(key, seconds)
            except CaasError as error:
                _log.warning("could not pause the rate budget after a 429: %s", error)

    async def aclose(self) -> None:
        """Close the async transport (of the running event loop, when they are built here)."""
        if self._async is not None:
            await self._async.aclose()
            return
        loop = _running_loop()
        with self._lock:
            inner = self._by_loop.pop(loop, None) if loop is not None else None
            if self._last_loop[0] is loop:
                self._last_loop = (None, None)
        if inner is not None:
            await inner.aclose()

    def _open_async(self) -> httpx.AsyncBaseTransport:
        """The transport of the running event loop (built on its first request there)."""
        loop = _running_loop()
        last_loop, inner = self._last_loop
        if inner is not None and last_loop is loop:
            return inner
        if self._given is not None:
            raise ConfigurationError(
                f"httpx_args['transport'] is {type(self._given).__name__}, a sync-only transport: "
                "async calls need an httpx.AsyncBaseTransport"
            )
        with self._lock:
            inner = self._by_loop.get(loop) if loop is not None else None
            if inner is None:
                inner = httpx.AsyncHTTPTransport(**self._connection)
                if loop is not None:
                    self._by_loop[loop] = inner
            self._last_loop = (loop, inner)
        return inner

    # -- shared -------------------------------------------------------------------------------

    def _report_429(self, request: httpx.Request, response: httpx.Response) -> float | None:
        """Tell the batch and the counters about a 429; the seconds its ``Retry-After`` asked for."""
        pacing.report(response)  # a batch this call belongs to pauses as a whole
        if self._trace:  # an API request (token requests are counted by the token provider)
            telemetry.count_rate_limited(request, self.client_id)
        return parse_retry_after(response.headers.get("retry-after"), now=time.time())

    def _again(
        self,
        request: httpx.Request,
        outcome: httpx.Response | httpx.TransportError,
        attempts: Attempts | None,
        started: float,
    ) -> tuple[Attempts | None, float | None]:
        """After a failed attempt (sync or async alike): the bookkeeping, and the wait before the next one.

        A wait of None means no further attempt. When there is one, it is logged (and counted) and
        the request gets its new span.
        """
        if self.retry is None:
            return attempts, None
        attempts = attempts or self.retry.start(request, started=started)
        if attempts is None:
            return None, None
        if isinstance(outcome, httpx.Response):
            wait, cause = attempts.after_response(outcome), f"answered {outcome.status_code}"
        else:
            wait, cause = attempts.after_error(outcome), type(outcome).__name__
        if wait is not None:
            log_retry(request, cause, wait, attempts)  # with the traceparent of the attempt that failed
            if self._trace:
                telemetry.count_retry(request, cause.removeprefix("answered "), self.client_id)
            if self._trace:
                stamp(request)  # same trace id, new parent id
        return attempts, wait

    def _failure(
        self, error: httpx.TransportError, request: httpx.Request, attempts: Attempts | None
    ) -> Exception:
        if not self._typed_errors:
            return error
        return transport_error(error, request, attempts.count if attempts is not None else 1)


def _resends(attempts: Attempts | None) -> int:
    """How many times the request was sent before this attempt."""
    return 0 if attempts is None else attempts.count - 1


def sends_sync(transport: object) -> bool:
    """Whether ``transport`` can send from sync code, e.g. a thread of the token provider's.

    Not an async-only transport (``httpx.AsyncHTTPTransport``, whose pool belongs to event loops),
    nor an ``httpx.MockTransport`` whose handler is a coroutine function; a ``CaasTransport`` can
    when what it wraps can (or when it builds its own).
    """
    if isinstance(transport, CaasTransport):
        return transport._given is None or sends_sync(transport._given)
    if isinstance(transport, httpx.MockTransport):
        import inspect  # deferred: only a MockTransport needs it, and it is slow to import

        handler = transport.handler  # a function, a partial, or an object with an async __call__
        return not (
            inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__)
        )
    return isinstance(transport, httpx.BaseTransport)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio event loop; None under another async library (trio through anyio)."""
    import asyncio  # deferred: only async requests need it, and they run in an event loop already

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _OtherLoop(httpx.TransportError):
    """A pooled connection of another event loop (closed, or running in another thread)."""


def _other_loop(error: RuntimeError, *, given: bool) -> Exception:
    """The transport error for ``error`` if it says the connection belongs to another event loop."""
    if "loop" not in str(error):
        return error
    whose = (
        "the transport passed in httpx_args['transport'] keeps connections that belong to another "
        "event loop, and an event loop's connections cannot serve another (each asyncio.run() makes a "
        "new loop): pass no transport (create_client then makes one per event loop), or create the "
        "client inside the event loop that uses it"
        if given
        else "a pooled connection belongs to another event loop"
    )
    return _OtherLoop(f"{whose} ({type(error).__name__}: {error})")


def _read(response: httpx.Response) -> None:
    """Read the answer's body into memory (so a failure while reading is this transport's to handle)."""
    stream = response.stream
    if type(stream) is httpx.ByteStream:  # already in memory (a mock transport): nothing can fail
        return
    if not isinstance(stream, httpx.SyncByteStream):  # pragma: no cover - httpx guarantees it
        raise TypeError(f"a sync transport answered with {type(stream).__name__}")
    try:
        body = b"".join(stream)
    finally:
        stream.close()
    response.stream = httpx.ByteStream(body)
    _check_decodable(response, body)


async def _aread(response: httpx.Response) -> None:
    """Async ``_read``."""
    stream = response.stream
    if type(stream) is httpx.ByteStream:
        return
    if not isinstance(stream, httpx.AsyncByteStream):  # pragma: no cover - httpx guarantees it
        raise TypeError(f"an async transport answered with {type(stream).__name__}")
    try:
        body = b"".join([part async for part in stream])
    finally:
        await stream.aclose()
    response.stream = httpx.ByteStream(body)
    _check_decodable(response, body)


def _check_decodable(response: httpx.Response, body: bytes) -> None:
    """Fail here, as a transport error, on a compressed body httpx could not decode later."""
    encoding = raw_headers.find(response.headers, b"content-encoding")
    if encoding is None or encoding.strip().lower() in ("", "identity"):
        return
    try:
        httpx.Response(response.status_code, headers=response.headers, content=body)
    except httpx.DecodingError as error:
        raise _UndecodableAnswer(str(error)) from error


class _UndecodableAnswer(httpx.TransportError):
    """A body that does not match its Content-Encoding (a transport fault: the bytes were garbled)."""


_WHAT = (
    (httpx.ConnectTimeout, "could not connect in time"),
    (httpx.PoolTimeout, "no free connection in the pool in time"),
    (httpx.WriteTimeout, "could not send the request in time"),
    (httpx.ReadTimeout, "the answer did not arrive in time"),
    (httpx.TimeoutException, "timed out"),
    (httpx.ConnectError, "could not connect"),
    (httpx.ProxyError, "the proxy failed"),
    (httpx.RemoteProtocolError, "the server broke the connection without a complete answer"),
    (httpx.ReadError, "the connection failed while reading the answer"),
    (httpx.WriteError, "the connection failed while sending the request"),
    (_UndecodableAnswer, "the answer's body does not match its Content-Encoding"),
    (_OtherLoop, "the connection belongs to another event loop"),
    (httpx.TransportError, "the request failed"),
)


def transport_error(error: httpx.TransportError, request: httpx.Request, attempts: int) -> ApiTransportError:
    """The typed error for ``request`` that got no usable answer (message: what, where, traceparent)."""
    what = next(text for cls, text in _WHAT if isinstance(error, cls))
    sent = not isinstance(error, NEVER_SENT)
    timeout = isinstance(error, httpx.TimeoutException)
    cls = ApiTimeoutError if timeout else ApiConnectionError
    traceparent = request.headers.get("traceparent")
    url = str(request.url)
    if timeout:
        advice = "AVIV's API or the network is slow: try again later, or raise create_client's `timeout`"
    else:
        advice = "check the network, proxies and base_url"
    if sent and request.method not in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        advice += (
            f"; the {request.method} may have reached AVIV: check its outcome (e.g. GET /classifieds?"
            "offererEstateId=...) before sending it again"
        )
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = (
        f"{request.method} {url}: {what}{tries} ({type(error).__name__}: {error or 'no detail'}); "
        f"{advice} (traceparent {traceparent or 'not sent'})"
    )
    from aviv_caas_auth.http.redaction import (
        redact,  # failure path only: keeps its regexes out of import time
    )

    authorization = request.headers.get("authorization", "")
    secrets = (authorization, authorization.partition(" ")[2])
    return cls(
        redact(message, secrets=secrets),
        method=request.method,
        url=url,
        traceparent=traceparent,
        attempts=attempts,
        request_sent=sent,
    )


def transport_stack(
    *,
    retry: RetryPolicy | None,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    mounts: Mapping[str, httpx.BaseTransport | httpx.AsyncBaseTransport | None] | None,
    connection: Mapping[str, Any],
    trace: bool,
    typed_errors: bool,
    budget: RateBudget | None = None,
    client_id: str | None = None,
) -> dict[str, Any]:
    """``transport`` and ``mounts`` for httpx.Client/AsyncClient, every route through a CaasTransport.

    Without a ``transport`` or ``proxy`` of the caller's, the environment's proxies (``HTTPS_PROXY``,
    ``NO_PROXY``, ...) are honoured when ``trust_env`` is true, as httpx itself would.
    """
    options = {k: v for k, v in connection.items() if k in CONNECTION_OPTIONS and k != "proxy"}
    proxy = connection.get("proxy")

    def wrap(inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None, via: Any = None) -> CaasTransport:
        settings = options if via is None else {**options, "proxy": via}
        return CaasTransport(
            inner,
            retry=retry,
            connection=settings,
            trace=trace,
            typed_errors=typed_errors,
            budget=budget,
            client_id=client_id,
        )

    routes: dict[str, CaasTransport | None] = {}
    if transport is None and proxy is None and connection.get("trust_env", True):
        for pattern, url in _environment_proxies().items():
            routes[pattern] = None if url is None else wrap(None, url)
    for pattern, mounted in (mounts or {}).items():
        routes[pattern] = None if mounted is None else wrap(mounted)
    stack: dict[str, Any] = {"transport": wrap(transport, proxy)}
    if routes:
        stack["mounts"] = routes
    return stack


def _environment_proxies() -> dict[str, str | None]:
    """The proxies httpx reads from the environment (a private helper of httpx, hence the guard)."""
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:  # pragma: no cover - a future httpx
        return {}
    return get_environment_proxies()
