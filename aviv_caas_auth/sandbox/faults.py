"""Fault knobs: make the next N matching requests fail the way AVIV's infrastructure can.

A fault matches a method (or ``*``) and a path pattern relative to the API base path
(``/classifieds/*``; ``*`` stands for one path segment, ``**`` for any number) or the token
endpoint's ``/oauth/token``. Kinds:

- ``rate_limit``: 429 with ``Retry-After`` (seconds, or an HTTP-date when ``http_date``).
- ``server_error``: a 5xx problem (``status``, default 500).
- ``gateway_html``: a 502 HTML page from the gateway, not JSON.
- ``slow``: wait ``delay`` seconds, then answer normally.
- ``unauthorized``: a 401, as if the token had been revoked.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from aviv_caas_auth.sandbox.errors import SandboxError, extra_missing

try:
    from jsonschema import Draft4Validator
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None


FaultKind = Literal["rate_limit", "server_error", "gateway_html", "slow", "unauthorized"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
_DEFAULT_STATUS = {
    "rate_limit": 429,
    "server_error": 500,
    "gateway_html": 502,
    "slow": 200,
    "unauthorized": 401,
}

GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def _path_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex + "/?")


@dataclass
class Fault:
    """One fault knob. ``count=None`` keeps it active until cleared; ``hits`` counts how often it fired."""

    kind: FaultKind
    method: str = "*"
    path: str = "**"
    count: int | None = 1
    status: int | None = None
    retry_after: int = 1
    http_date: bool = False
    delay: float = 0.0
    hits: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise SandboxError(f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if self.count is not None and self.count < 1:
            raise SandboxError(
                f"a fault's count must be >= 1 (or None for 'until cleared'), got {self.count}"
            )
        if self.retry_after < 0 or self.delay < 0:
            raise SandboxError("retry_after and delay must be >= 0")
        status = self.status if self.status is not None else _DEFAULT_STATUS[self.kind]
        if self.kind == "server_error" and not 500 <= status <= 599:
            raise SandboxError(f"a server_error fault needs a 5xx status, got {status}")
        self.status = status
        self.method = self.method.upper()
        if not self.path.startswith("/") and not self.path.startswith("*"):
            raise SandboxError(f"a fault's path is a pattern like '/classifieds/*', got {self.path!r}")
        self._regex = _path_regex(self.path)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method path`` (path relative to the API base)."""
        return self.method in ("*", method.upper()) and self._regex.fullmatch(path) is not None

    @property
    def exhausted(self) -> bool:
        """It fired ``count`` times already."""
        return self.count is not None and self.hits >= self.count

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``GET /_sandbox/faults``)."""
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "count": self.count,
            "status": self.status,
            "retryAfter": self.retry_after,
            "httpDate": self.http_date,
            "delay": self.delay,
            "hits": self.hits,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Fault:
        """Build a fault from the JSON of ``POST /_sandbox/faults`` (the keys of ``to_dict``)."""
        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or 'fault'}: {e.message}"
            for e in _FAULT_JSON.iter_errors(data)
        ]
        if problems:
            raise SandboxError("invalid fault: " + "; ".join(problems))
        return cls(
            kind=data["kind"],
            method=data.get("method", "*"),
            path=data.get("path", "**"),
            count=data.get("count", 1),
            status=data.get("status"),
            retry_after=data.get("retryAfter", 1),
            http_date=data.get("httpDate", False),
            delay=data.get("delay", 0.0),
        )


_FAULT_JSON = Draft4Validator(
    {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": list(FAULT_KINDS)},
            "method": {"type": "string"},
            "path": {"type": "string"},
            "count": {"type": ["integer", "null"], "minimum": 1},
            "status": {"type": ["integer", "null"]},
            "retryAfter": {"type": "integer", "minimum": 0},
            "httpDate": {"type": "boolean"},
            "delay": {"type": "number", "minimum": 0},
            "hits": {"type": "integer"},
        },
    }
)


class FaultKnobs:
    """The active faults of a sandbox. Thread-safe; the first matching, non-exhausted fault fires."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault`` (after the ones already active) and return it."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(
        self,
        path: str = "**",
        method: str = "*",
        count: int | None = 1,
        retry_after: int = 1,
        http_date: bool = False,
    ) -> Fault:
        """Answer 429 with ``Retry-After: <retry_after>`` (or the HTTP-date that many seconds ahead)."""
        return self.add(
            Fault("rate_limit", method, path, count, retry_after=retry_after, http_date=http_date)
        )

    def server_error(
        self, path: str = "**", method: str = "*", count: int | None = 1, status: int = 500
    ) -> Fault:
        """Answer a 5xx problem."""
        return self.add(Fault("server_error", method, path, count, status=status))

    def gateway_html(self, path: str = "**", method: str = "*", count: int | None = 1) -> Fault:
        """Answer the gateway's 502 HTML page."""
        return self.add(Fault("gateway_html", method, path, count))

    def slow(self, delay: float, path: str = "**", method: str = "*", count: int | None = 1) -> Fault:
        """Wait ``delay`` seconds before answering normally."""
        return self.add(Fault("slow", method, path, count, delay=delay))

    def unauthorized(self, path: str = "**", method: str = "*", count: int | None = 1) -> Fault:
        """Answer 401 as if the token had been revoked."""
        return self.add(Fault("unauthorized", method, path, count))

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that fires for this request (its ``hits`` incremented), if any."""
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(method, path):
                    fault.hits += 1
                    return fault
            return None

    def active(self) -> list[Fault]:
        """The faults that can still fire."""
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def clear(self) -> None:
        """Deactivate every fault."""
        with self._lock:
            self._faults.clear()
