"""Reading and adding one header on an ``httpx.Headers`` cheaply, on the per-request path.

httpx's ``Headers.get`` and item assignment first work out the headers' encoding by decoding every
header (a ~1 kB bearer token included), and ``get`` of a missing header raises and catches a
KeyError: together several microseconds per request, more than the rest of our per-request work
(``make bench``, rows ``call.*.create_client.vs_generated_client``). These helpers read httpx's
header list directly (``[(raw name, lower-case name, value)]``, stable across httpx 0.2x) and fall
back to the public API if it ever changes shape.
"""

from __future__ import annotations

import httpx


def find(headers: httpx.Headers, lower_name: bytes) -> str | None:
    """The first value of the header ``lower_name`` (lower-case, ASCII bytes), or None."""
    items = getattr(headers, "_list", None)
    if type(items) is not list:  # pragma: no cover - another httpx: the public, slower way
        value: str | None = headers.get(lower_name.decode("ascii"))
        return value
    for _, name, raw in items:
        if name == lower_name:
            return str(raw.decode("latin-1"))
    return None


def add(headers: httpx.Headers, lower_name: bytes, value: str) -> None:
    """Add the header ``lower_name`` (known to be absent) with the ASCII ``value``."""
    items = getattr(headers, "_list", None)
    if type(items) is not list:  # pragma: no cover
        headers[lower_name.decode("ascii")] = value
    else:
        items.append((lower_name, lower_name, value.encode("ascii")))


def authorize(headers: httpx.Headers, authorization: bytes) -> bool:
    """Set ``Authorization`` (ASCII bytes) in one pass; return whether a ``traceparent`` is already there."""
    items = getattr(headers, "_list", None)
    if type(items) is not list:  # pragma: no cover
        headers["Authorization"] = authorization.decode("ascii")
        return "traceparent" in headers
    has_traceparent = replaced = False
    for index, (raw, name, _) in enumerate(items):
        if name == b"authorization":
            items[index] = (raw, name, authorization)
            replaced = True
        elif name == b"traceparent":
            has_traceparent = True
    if not replaced:
        items.append((b"Authorization", b"authorization", authorization))
    return has_traceparent
