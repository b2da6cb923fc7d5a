"""OpenTelemetry: spans for token requests and API calls, counters for what matters at scale.

Through ``opentelemetry-api`` only (the ``otel`` extra), and a no-op unless the application
installs an SDK: this module never imports opentelemetry itself. It looks in ``sys.modules`` for
``opentelemetry.trace`` / ``opentelemetry.metrics``, which an application that installed an SDK
has imported, and then asks the API for the global providers (or those given to :func:`configure`).
Without opentelemetry, or without a tracer provider, a request pays one dictionary lookup (and a
provider comparison); the ``make bench`` rows ``call.*.create_client`` measure it.

Spans (kind CLIENT; attributes from OpenTelemetry's HTTP conventions):

- one per API request **attempt**, named after the method (``GET``), child of the caller's current
  span: ``http.request.method``, ``url.full``, ``server.address``, ``server.port``,
  ``http.response.status_code``, ``http.request.resend_count`` (retries), ``error.type``,
  ``aviv_caas.client_id``. The request's ``traceparent`` is the span's (unless the caller passed
  one), so AVIV support sees the trace and span ids of your traces.
- one per token request, ``aviv_caas token``: ``aviv_caas.audience``, ``aviv_caas.client_id``,
  ``http.response.status_code``, ``error.type``.

Counters (meter ``aviv_caas_auth``): ``aviv_caas.token.requests``, ``aviv_caas.api.rate_limited``
(429 answers), ``aviv_caas.api.retries`` and ``aviv_caas.sync.actions`` (:func:`record_sync_action`,
the hook the sync workflow calls). No attribute holds a secret, a token, or a body.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from aviv_caas_auth._version import __version__

if TYPE_CHECKING:
    import httpx
    from opentelemetry.metrics import Counter, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from aviv_caas_auth.tokens.token import TokenKey

SCOPE: Final = "aviv_caas_auth"
"""The instrumentation scope of the spans and counters (the tracer's and meter's name)."""

TOKEN_REQUESTS: Final = "aviv_caas.token.requests"  # noqa: S105 - a metric name
RATE_LIMITED: Final = "aviv_caas.api.rate_limited"
RETRIES: Final = "aviv_caas.api.retries"
SYNC_ACTIONS: Final = "aviv_caas.sync.actions"

_COUNTERS: Final = {
    TOKEN_REQUESTS: ("{request}", "Token requests sent to AVIV's token endpoint"),
    RATE_LIMITED: ("{response}", "API answers 429 (rate limited)"),
    RETRIES: ("{retry}", "API requests sent again by the retry policy"),
    SYNC_ACTIONS: ("{action}", "Listings a sync created, updated, withdrew or left unchanged"),
}

# Explicit providers (configure()); None: the API's global ones.
_given: dict[str, Any] = {"tracer": None, "meter": None}
# (provider, tracer or None): the tracer of the last provider seen.
_tracer_cache: tuple[object, Tracer | None] = (None, None)
# (provider, counters): the counters of the last meter provider seen.
_meter_cache: tuple[object, dict[str, Counter]] = (None, {})


def configure(
    *, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
) -> None:
    """Use these providers instead of OpenTelemetry's global ones (None: the global one again)."""
    global _tracer_cache, _meter_cache
    _given["tracer"], _given["meter"] = tracer_provider, meter_provider
    _tracer_cache, _meter_cache = (None, None), (None, {})


def tracer() -> Tracer | None:
    """The tracer to record spans with, or None when no SDK's tracer provider is installed (cheap)."""
    provider = _given["tracer"]
    if provider is None:
        trace = sys.modules.get("opentelemetry.trace")
        if trace is None:
            return None
        provider = trace.get_tracer_provider()
    cached_provider, cached = _tracer_cache
    if provider is cached_provider:
        return cached
    return _new_tracer(provider)


def _new_tracer(provider: Any) -> Tracer | None:
    global _tracer_cache
    from opentelemetry import trace

    found: Tracer | None = None
    if not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        found = provider.get_tracer(SCOPE, __version__)
    _tracer_cache = (provider, found)
    return found


def _counter(name: str) -> Counter | None:
    """The counter ``name`` of the current meter provider, or None without opentelemetry's metrics."""
    global _meter_cache
    provider = _given["meter"]
    if provider is None:
        metrics = sys.modules.get("opentelemetry.metrics")
        if metrics is None:
            return None
        provider = metrics.get_meter_provider()
    cached_provider, counters = _meter_cache
    if provider is not cached_provider:
        meter = provider.get_meter(SCOPE, __version__)
        counters = {
            key: meter.create_counter(key, unit=unit, description=text)
            for key, (unit, text) in _COUNTERS.items()
        }
        _meter_cache = (provider, counters)
    return counters[name]


def _add(name: str, attributes: dict[str, Any]) -> None:
    counter = _counter(name)
    if counter is not None:
        counter.add(1, attributes)


# -- API requests (called by the transport) ---------------------------------------------------


def start_attempt(found: Tracer, request: httpx.Request, resend_count: int, client_id: str | None) -> Span:
    """Start the span of one attempt of ``request``, and make the request's traceparent the span's."""
    from opentelemetry.trace import SpanKind

    from aviv_caas_auth.http import raw_headers
    from aviv_caas_auth.http.traceparent import TRACE_EXTENSION

    url = request.url
    attributes: dict[str, Any] = {
        "http.request.method": request.method,
        "url.full": str(url.copy_with(username=None, password=None)),
        "server.address": url.host,
    }
    if url.port is not None:
        attributes["server.port"] = url.port
    if resend_count:
        attributes["http.request.resend_count"] = resend_count
    if client_id:
        attributes["aviv_caas.client_id"] = client_id
    span = found.start_span(request.method, kind=SpanKind.CLIENT, attributes=attributes)
    context = span.get_span_context()
    sent = raw_headers.find(request.headers, b"traceparent")
    if context.is_valid and (sent is None or sent == request.extensions.get(TRACE_EXTENSION)):
        value = f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
        request.headers["traceparent"] = value
        request.extensions[TRACE_EXTENSION] = value
    return span


def end_attempt(
    span: Span, response: httpx.Response | None = None, error: BaseException | None = None
) -> None:
    """End an attempt's span with its answer's status, or the error that ended it."""
    from opentelemetry.trace import Status, StatusCode

    if response is not None:
        status = response.status_code
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_attribute("error.type", str(status))
            span.set_status(Status(StatusCode.ERROR))
    elif error is not None:
        span.set_attribute("error.type", type(error).__name__)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()


def count_rate_limited(request: httpx.Request, client_id: str | None) -> None:
    """Count a 429 answer."""
    _add(RATE_LIMITED, _api_attributes(request, client_id))


def count_retry(request: httpx.Request, cause: str, client_id: str | None) -> None:
    """Count a retry of ``request`` (``cause``: the status or the network error it follows)."""
    _add(RETRIES, {**_api_attributes(request, client_id), "aviv_caas.retry.cause": cause})


def _api_attributes(request: httpx.Request, client_id: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"http.request.method": request.method}
    if client_id:
        attributes["aviv_caas.client_id"] = client_id
    return attributes


# -- token requests (called by the token provider) --------------------------------------------


class TokenRequest:
    """What one token request came to, for its span and counter (see :func:`token_request`)."""

    __slots__ = ("status",)

    def __init__(self) -> None:
        self.status: int | None = None

    def answered(self, response: httpx.Response) -> None:
        """The token endpoint answered ``response``."""
        self.status = response.status_code


@contextmanager
def token_request(key: TokenKey, request: httpx.Request) -> Iterator[TokenRequest]:
    """Span and count the token request ``request`` for ``key`` (the block sends it)."""
    attributes: dict[str, Any] = {"aviv_caas.audience": key.audience, "aviv_caas.client_id": key.client_id}
    outcome = TokenRequest()
    found = tracer()
    span = None
    if found is not None:
        from opentelemetry.trace import SpanKind

        span = found.start_span("aviv_caas token", kind=SpanKind.CLIENT, attributes=attributes)
        context = span.get_span_context()
        if context.is_valid:
            value = f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
            request.headers["traceparent"] = value
    error: BaseException | None = None
    try:
        yield outcome
    except BaseException as exc:
        error = exc
        raise
    finally:
        if outcome.status is not None:
            attributes["http.response.status_code"] = outcome.status
            if outcome.status >= 400:
                attributes["error.type"] = str(outcome.status)
        elif error is not None:
            attributes["error.type"] = type(error).__name__
        _add(TOKEN_REQUESTS, attributes)
        if span is not None:
            from opentelemetry.trace import Status, StatusCode

            span.set_attributes(attributes)
            if "error.type" in attributes:
                span.set_status(Status(StatusCode.ERROR, str(attributes["error.type"])))
            span.end()


# -- sync actions (the hook issue 17's apply_sync calls) --------------------------------------


def record_sync_action(action: str, outcome: str, *, api: str | None = None) -> None:
    """Count one listing's sync action (``create``, ``update``, ``withdraw``, ``unchanged``) and its outcome.

    ``outcome``: ``"ok"`` or the typed error's class name; ``api``: ``"v3"`` or ``"v4"``.
    """
    attributes: dict[str, Any] = {"aviv_caas.sync.action": action, "aviv_caas.sync.outcome": outcome}
    if api is not None:
        attributes["aviv_caas.api"] = api
    _add(SYNC_ACTIONS, attributes)
