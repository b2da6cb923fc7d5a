"""W3C trace context (``traceparent``) for every API request, so AVIV support can find each call.

A request gets ``00-<trace id>-<parent id>-01`` (version 00, a random 16-byte trace id, a random
8-byte parent id, sampled) unless the caller passed one. Each further attempt of the same request
(a retry, or the replay after a 401) keeps the trace id and gets a new parent id: every attempt is
a separate span, as OpenTelemetry's HTTP conventions make each resend, so AVIV's logs tell the
attempts apart while the trace id ties them together. A traceparent the caller passed is theirs:
it is sent unchanged on every attempt.

Cost: two ``random.getrandbits`` calls and a %-format per attempt (no regex, no uuid), and one pass over
the request's header list (see :mod:`aviv_caas_auth.http.raw_headers`).
"""

from __future__ import annotations

import random

import httpx

from aviv_caas_auth.http import raw_headers

TRACE_EXTENSION = "aviv_caas.traceparent"
"""The request extension that remembers the traceparent this module set (vs. one the caller set)."""

# Python's generator (seeded from os.urandom, reseeded in forked children): ids only need to be
# unique and unpredictable enough for tracing, and this is 3x cheaper than os.urandom per request.
_bits = random.getrandbits


def new_traceparent() -> str:
    """A fresh, sampled W3C traceparent: random trace id and parent id (never all-zero)."""
    return "00-%032x-%016x-01" % (_bits(128) or 1, _bits(64) or 1)  # noqa: UP031 - the fastest form


def next_span(traceparent: str) -> str:
    """``traceparent`` with the same trace id and a new parent id (for a further attempt)."""
    return "%s%016x%s" % (traceparent[:36], _bits(64) or 1, traceparent[52:])  # noqa: UP031


def stamp_new(request: httpx.Request) -> None:
    """Give ``request``, known to carry no traceparent, a fresh one (marked as ours)."""
    value = new_traceparent()
    raw_headers.add(request.headers, b"traceparent", value)
    request.extensions[TRACE_EXTENSION] = value


def stamp(request: httpx.Request) -> None:
    """Give ``request`` its traceparent for this attempt (a caller's own one is left as it is)."""
    current = raw_headers.find(request.headers, b"traceparent")
    extensions = request.extensions
    if current is None:
        stamp_new(request)
        return
    if current == extensions.get(TRACE_EXTENSION):
        value = next_span(current)
        request.headers["traceparent"] = value
    else:
        return
    extensions[TRACE_EXTENSION] = value
