"""``Sandbox``: the app served on a loopback port in a background thread, as a context manager.

with Sandbox.start() as sb:
    sb.token_url, sb.base_url, sb.credentials   # talk to it (base_url, audience: v3's sandbox)
    sb.base_url_for("sandbox", api="v4")        # v4, at /sandbox/caas/v4 (audience_for: its audience)
    sb.clock.advance(2)                         # statuses progress, tokens age
    sb.faults.rate_limit("/classifieds", "POST")
    print(sb.report().summary())                # token-reuse report
"""

from __future__ import annotations

import contextlib
import errno
import io
import socket
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.sandbox.errors import SandboxError, extra_missing

try:
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None

from aviv_caas_auth.apis import DEFAULT_API
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.sandbox.app import SandboxApp
from aviv_caas_auth.sandbox.clock import Clock, SystemClock
from aviv_caas_auth.sandbox.config import (
    ADMIN_PREFIX,
    TOKEN_PATH,
    Environment,
    SandboxConfig,
    check_loopback_host,
)
from aviv_caas_auth.sandbox.exchanges import Exchange
from aviv_caas_auth.sandbox.faults import FaultKnobs
from aviv_caas_auth.sandbox.processing import ProcessingKnobs
from aviv_caas_auth.sandbox.report import TokenReuseReport
from aviv_caas_auth.sandbox.spec import ApiSpec
from aviv_caas_auth.sandbox.webhooks import Delivery

if TYPE_CHECKING:
    from aviv_caas_auth.sandbox.ratelimit import Refusal
    from aviv_caas_auth.workflows.polling import PollPolicy

POLL_INTERVAL = 0.05
"""Seconds between two checks for a stop request while serving."""

KEEP_ALIVE_TIMEOUT = 75.0
"""Seconds an idle kept-alive connection stays open (AWS load balancers keep 60 s; clients close first)."""

MAX_BUFFERED_BODY = 16 * 1024 * 1024
"""A request body up to this size is read before the app runs, so the connection can be kept alive."""


class _KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler, keeping HTTP/1.1 connections alive as AVIV's gateway does.

    werkzeug answers every request with ``Connection: close`` (its handler cannot tell where an
    unread request body ends) and so hides keep-alive bugs in clients: a pool shared across a
    fork or across event loops. Here the body is read in full, by its ``Content-Length``, before
    the app runs; the app reads it from memory, and whatever it leaves unread can no longer be
    mistaken for the next request. A chunked or oversized body, a client asking for ``close``
    or an HTTP/1.0 client get werkzeug's behaviour: the connection closes after the answer.
    """

    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm on a kept-alive connection the
    # second waits for the client's delayed ACK (40 ms on Linux), on every answer.
    disable_nagle_algorithm = True
    timeout = KEEP_ALIVE_TIMEOUT  # an idle connection's read times out, and its thread ends
    _keep_alive = False

    def setup(self) -> None:
        """Count and track the connection, so ``Sandbox.stop`` can close it while idle."""
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        """Untrack the connection."""
        self.server.closed(self.connection)
        super().finish()

    def run_wsgi(self) -> None:
        """Serve one request with its body already in memory, when its length is known and bounded."""
        length = self.headers.get("Content-Length", "0")
        self._keep_alive = (
            not self.close_connection
            and "Transfer-Encoding" not in self.headers
            and length.isdigit()
            and int(length) <= MAX_BUFFERED_BODY
        )
        if not self._keep_alive:
            super().run_wsgi()
            return
        body = self.rfile.read(int(length))
        if len(body) < int(length):  # the client went away mid-body
            self.close_connection = True
            return
        socket_file, self.rfile = self.rfile, io.BytesIO(body)
        try:
            super().run_wsgi()
        finally:
            self.rfile = socket_file

    def send_header(self, keyword: str, value: str) -> None:
        """Send a header; werkzeug's ``Connection: close`` only when the connection is not kept alive."""
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)

    def log_error(self, format: str, *args: Any) -> None:
        """Log errors, but not an idle kept-alive connection timing out (that is how it ends)."""
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)


class _QuietHandler(_KeepAliveHandler):
    """The request handler without the per-request log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing."""


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server, counting connections and closing idle kept-alive ones on shutdown."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections_opened = 0
        self._open: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def opened(self, connection: socket.socket) -> None:
        """A connection was accepted."""
        with self._connections_lock:
            self.connections_opened += 1
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        """A connection's handler is done with it."""
        with self._connections_lock:
            self._open.discard(connection)

    def close_connections(self) -> None:
        """Wake the handler threads waiting on idle connections: they see the end and finish."""
        with self._connections_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class Sandbox:
    """A local AVIV sandbox on ``host:port`` (loopback only; port 0 picks a free one).

    It serves every API version of ``config.apis`` (v3 and v4) at AVIV's paths, each from its
    prepared spec (``spec``: v3's, ``specs``: per version, e.g. ``{"v4": ApiSpec.load(...)}``).
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        spec: ApiSpec | None = None,
        specs: Mapping[str, ApiSpec] | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = check_loopback_host(host)
        if not 0 <= port <= 65535:
            raise SandboxError(f"port must be between 0 (any free port) and 65535, got {port}")
        #: The clock given, or a SystemClock (real time that ``advance`` also moves forward).
        self.clock: Clock = clock or SystemClock()
        self.app = SandboxApp(self.config, self.clock, spec, specs)
        handler = _KeepAliveHandler if self.config.log_requests else _QuietHandler
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            # Bound here, not by werkzeug, whose server exits the process when the port is taken.
            listener = socket.create_server((self.host, port), family=family)
        except OSError as error:
            self.app.close()
            hint = ""
            if error.errno == errno.EADDRINUSE:
                hint = (
                    " (another process, maybe another sandbox, holds it): pass --port 0 (port=0 in Python) "
                    "for any free port, or stop that process"
                )
            raise SandboxError(
                f"cannot listen on {self.host}:{port}: {error.strerror or error}{hint}"
            ) from error
        with listener:
            self._server = _Server(self.host, port, self.app, handler=handler, fd=listener.fileno())
        self.port: int = self._server.port
        self._threads: list[threading.Thread] = []
        self._serving = False
        self._stopped = threading.Event()

    @classmethod
    def start(
        cls,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        spec: ApiSpec | None = None,
        specs: Mapping[str, ApiSpec] | None = None,
    ) -> Sandbox:
        """Make a sandbox and start serving in the background; use it as ``with Sandbox.start() as sb:``."""
        sandbox = cls(config, host=host, port=port, clock=clock, spec=spec, specs=specs)
        sandbox.serve_in_background()
        return sandbox

    def serve_in_background(self) -> None:
        """Serve requests on a daemon thread (and, on a real-time clock, deliver webhooks as time passes)."""
        if self._serving:
            return
        self._serving = True
        kwargs = {"poll_interval": POLL_INTERVAL}
        self._threads.append(
            threading.Thread(
                target=self._server.serve_forever, kwargs=kwargs, name="caas-sandbox", daemon=True
            )
        )
        if self.app.clock.moves_by_itself:
            self._threads.append(
                threading.Thread(target=self._ticker, name="caas-sandbox-ticker", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` or Ctrl+C (the server CLI)."""
        self._serving = True
        try:
            if self.app.clock.moves_by_itself:
                ticker = threading.Thread(target=self._ticker, name="caas-sandbox-ticker", daemon=True)
                ticker.start()
                self._threads.append(ticker)
            self._server.serve_forever(poll_interval=POLL_INTERVAL)
        finally:
            # Its loop is over (or never started, when Ctrl+C or SIGTERM came first): stop() must not
            # wait for it to shut down.
            self._serving = False

    def _ticker(self) -> None:
        interval = min(0.25, max(self.config.status_step / 4, 0.01))
        while not self._stopped.wait(interval):
            self.app.tick()

    def stop(self) -> None:
        """Stop serving and free the port. Idempotent."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.app.close()
        if self._serving:
            self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        for thread in self._threads:
            if thread.ident is not None:  # started (a stop may come before a thread started)
                thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        self.serve_in_background()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        specs = ", ".join(f"{api} {served.spec.version}" for api, served in self.app.served.items())
        return f"<Sandbox {self.url} specs {specs}>"

    # --- where it is ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:8123``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token_url(self) -> str:
        """The token endpoint (AVIV: ``https://auth.api.aviv-group.com/oauth/token``)."""
        return self.url + TOKEN_PATH

    @property
    def apis(self) -> tuple[str, ...]:
        """The API versions served (``("v3", "v4")`` by default)."""
        return tuple(self.app.served)

    @property
    def environments(self) -> dict[str, Environment]:
        """v3's ``production`` and ``sandbox``: audience and base path here (v4: ``environments_of``)."""
        return self.environments_of(DEFAULT_API)

    def environments_of(self, api: str) -> dict[str, Environment]:
        """The environments of the API version ``api`` (``v3``, ``v4``): audience and base path here."""
        served = self.app.served.get(api)
        if served is None:
            raise SandboxError(f"this sandbox serves {', '.join(self.apis)}, not {api!r}")
        return {env.name: env for env in served.environments}

    def environment(self, environment: str = "sandbox", *, api: str = DEFAULT_API) -> Environment:
        """``environment`` (``production`` or ``sandbox``) of the API version ``api``."""
        try:
            return self.environments_of(api)[environment]
        except KeyError:
            raise SandboxError(f"unknown environment {environment!r}; use production or sandbox") from None

    def base_url_for(self, environment: str, *, api: str = DEFAULT_API) -> str:
        """The local base URL serving ``environment`` of ``api``, e.g. ``http://127.0.0.1:8123/sandbox/caas/v4``.

        Pass it as ``create_client(..., api=api, environment=environment, base_url=...)``: the
        token audience stays AVIV's (``audience_for``), only the traffic comes here.
        """
        return self.url + self.environment(environment, api=api).base_path

    def audience_for(self, environment: str = "sandbox", *, api: str = DEFAULT_API) -> str:
        """The token audience of ``environment`` of ``api``, e.g. ``https://api.aviv-group.com/sandbox/caas/v4``."""
        return self.environment(environment, api=api).audience

    @property
    def base_url(self) -> str:
        """The API base URL of AVIV's v3 sandbox environment, served locally (``base_url_for`` for v4)."""
        return self.base_url_for("sandbox")

    @property
    def audience(self) -> str:
        """The token audience for ``base_url``: ``https://api.aviv-group.com/sandbox/caas/v3``."""
        return self.audience_for("sandbox")

    @property
    def admin_url(self) -> str:
        """Where the admin endpoints live (``/report``, ``/clock``, ``/faults``)."""
        return self.url + ADMIN_PREFIX

    @property
    def credentials(self) -> CaasCredentials:
        """CaasCredentials this sandbox accepts (the public demo ones by default)."""
        return self.config.credentials

    def poll_policy(self, **options: Any) -> PollPolicy:
        """A ``PollPolicy`` whose waits move this sandbox's clock forward instead of sleeping.

        ``publish.sync(client, classified, poll=sb.poll_policy())``: on a frozen ``ManualClock`` (the
        ``caas_sandbox`` fixture's), statuses progress only when the clock moves, so the workflows
        need it to see ``CREATED``; on any clock it makes their waits instant. Timeouts are measured
        on the same clock: a status that never comes raises ``StatusTimeoutError`` at once, after
        ``timeout`` seconds of sandbox time. In a ``publish_many`` batch every worker's wait moves
        the one clock. ``options``: other ``PollPolicy`` settings (``first=``, ``max_interval=``...).
        """
        from aviv_caas_auth.workflows.polling import PollPolicy

        clock = self.app.clock

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        settings: dict[str, Any] = {"sleep": clock.advance, "async_sleep": advance, "clock": self.clock}
        return PollPolicy(**{**settings, **options})

    # --- what it did -----------------------------------------------------------------------------
    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far (kept alive, a client sends many requests on one)."""
        return self._server.connections_opened

    @property
    def faults(self) -> FaultKnobs:
        """The fault knobs."""
        return self.app.faults

    @property
    def processing(self) -> ProcessingKnobs:
        """The processing failure knobs (``*_FAILED`` statuses after a 202)."""
        return self.app.processing

    def report(self, *, api: str | None = None, environment: str = "sandbox") -> TokenReuseReport:
        """The token-reuse report so far, across every API version (or one ``api`` in ``environment``)."""
        return self.app.ledger.report(None if api is None else self.audience_for(environment, api=api))

    def rate_limits(self) -> dict[str, Any]:
        """The per-client rate limit (``config.rate_limit``) and what it did: accepted and refused (429).

        ``{"perSecond": R or None, "clients": {client_id: {"accepted": n, "refused": m}}}``.
        """
        return self.app.rate_limit.to_dict()

    def rate_limit_refusals(self) -> list[Refusal]:
        """The 429s the rate limit answered (the last 10,000), oldest first: client id, time, Retry-After."""
        return self.app.rate_limit.refusals()

    def exchanges(self) -> list[Exchange]:
        """The responses it sent (the last ``config.max_exchanges``), oldest first."""
        return self.app.exchanges.items()

    def webhook_deliveries(self) -> list[Delivery]:
        """Every status callback it attempted."""
        return self.app.webhooks.deliveries()

    def internal_errors(self) -> list[str]:
        """Tracebacks of its own bugs (answered as 500); empty in a healthy run."""
        return list(self.app.internal_errors)

    def describe(self) -> dict[str, Any]:
        """URLs and settings, as printed by the server CLI."""
        apis = {
            api: {
                "spec": served.spec.version,
                "environments": {
                    env.name: {"baseUrl": self.url + env.base_path, "audience": env.audience}
                    for env in served.environments
                },
            }
            for api, served in self.app.served.items()
        }
        default = apis.get(DEFAULT_API, {})
        return {
            "url": self.url,
            "tokenUrl": self.token_url,
            "apis": apis,
            # The default version's (v3's), as before v4 was served.
            "environments": default.get("environments", {}),
            "spec": default.get("spec"),
            "adminUrl": self.admin_url,
            "expiresIn": self.config.expires_in,
            "rateLimit": self.config.rate_limit,
        }
