"""A bounded log of what the sandbox answered, for inspection and for checking it against the spec."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

ExchangeKind = Literal["api", "token", "admin", "unrouted"]


@dataclass(frozen=True)
class Exchange:
    """One request and the response the sandbox sent.

    ``operation_id`` and ``api`` (the version: ``v3``, ``v4``) are set for API operations; ``fault``
    names the fault knob that shaped the response, if any. Header names are lower-case.
    """

    method: str
    path: str
    kind: ExchangeKind
    operation_id: str | None
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fault: str | None = None
    api: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of response header ``name`` (case-insensitive)."""
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    @property
    def media_type(self) -> str:
        """The response's content type without parameters."""
        return (self.header("content-type") or "").split(";", 1)[0].strip()


class ExchangeLog:
    """The last ``limit`` exchanges, thread-safe."""

    def __init__(self, limit: int) -> None:
        self._items: deque[Exchange] = deque(maxlen=limit)
        self._total = 0
        self._lock = threading.Lock()

    def add(self, exchange: Exchange) -> None:
        """Record one exchange."""
        with self._lock:
            self._items.append(exchange)
            self._total += 1

    def items(self) -> list[Exchange]:
        """The kept exchanges, oldest first."""
        with self._lock:
            return list(self._items)

    @property
    def total(self) -> int:
        """How many exchanges were ever recorded (kept or not)."""
        with self._lock:
            return self._total
