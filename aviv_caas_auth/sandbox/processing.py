"""Processing failures: make AVIV's asynchronous processing of the next writes end in ``*_FAILED``.

The HTTP answer stays a 202 (the request was accepted); the classified's statuses then end in a
failure instead of ``CREATED``/``UPDATED``/``DELETED``:

- a ``stage="processing"`` failure (the default): RECEIVED, then ``CREATING``/``UPDATING``/
  ``DELETING``, then ``CREATING_FAILED``/``UPDATING_FAILED``/``DELETING_FAILED``;
- a ``stage="receiving"`` failure: ``RECEIVING_FAILED`` at once, with the sub-status
  ``RECEIVING_FAILED_POST`` (``_PUT``, ``_PATCH``, ``_DELETE``).

    sb.processing.fail("POST", message="The portal refused the price")   # the next create fails
    sb.processing.fail("PUT", stage="receiving", offerer_estate_id="ref-1", count=None)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from aviv_caas_auth.sandbox.errors import SandboxError
from aviv_caas_auth.sandbox.state import CLASSIFIED_FLOWS, ClassifiedRecord, Step

Stage = Literal["processing", "receiving"]
_DOING = {"POST": "CREATING", "PUT": "UPDATING", "PATCH": "UPDATING", "DELETE": "DELETING"}
DEFAULT_MESSAGE = "An error occurred while processing your classified (sandbox: a processing failure knob)"


@dataclass
class ProcessingFailure:
    """One knob: the next ``count`` matching writes fail (``count=None``: until cleared)."""

    method: str
    stage: Stage = "processing"
    message: str = DEFAULT_MESSAGE
    count: int | None = 1
    offerer_estate_id: str | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if self.method not in _DOING:
            raise SandboxError(f"a processing failure is for POST, PUT, PATCH or DELETE, not {self.method!r}")
        if self.stage not in ("processing", "receiving"):
            raise SandboxError(f"stage must be 'processing' or 'receiving', not {self.stage!r}")
        if self.count is not None and self.count < 1:
            raise SandboxError(f"count must be >= 1 (or None for 'until cleared'), got {self.count}")

    def matches(self, method: str, record: ClassifiedRecord) -> bool:
        """Whether this knob applies to a ``method`` write of ``record``."""
        exhausted = self.count is not None and self.hits >= self.count
        wanted = self.offerer_estate_id is None or self.offerer_estate_id == record.offerer_estate_id
        return not exhausted and self.method == method and wanted

    def steps(self) -> tuple[Step, ...]:
        """The statuses the failed write goes through."""
        if self.stage == "receiving":
            return (("RECEIVING_FAILED", f"RECEIVING_FAILED_{self.method}", self.message),)
        received, doing, _done = CLASSIFIED_FLOWS[self.method]
        return (received, doing, (f"{_DOING[self.method]}_FAILED", None, self.message))


class ProcessingKnobs:
    """The active processing failures of a sandbox (thread-safe; the first matching one fires)."""

    def __init__(self) -> None:
        self._knobs: list[ProcessingFailure] = []
        self._lock = threading.Lock()

    def fail(
        self,
        method: str = "POST",
        *,
        stage: Stage = "processing",
        message: str = DEFAULT_MESSAGE,
        count: int | None = 1,
        offerer_estate_id: str | None = None,
    ) -> ProcessingFailure:
        """Make the next ``count`` ``method`` writes (of ``offerer_estate_id`` only, if given) fail."""
        knob = ProcessingFailure(method, stage, message, count, offerer_estate_id)
        with self._lock:
            self._knobs.append(knob)
        return knob

    def flow(self, method: str, record: ClassifiedRecord) -> tuple[Step, ...]:
        """The statuses a ``method`` write of ``record`` goes through (a failure when a knob says so)."""
        with self._lock:
            for knob in self._knobs:
                if knob.matches(method, record):
                    knob.hits += 1
                    return knob.steps()
        return CLASSIFIED_FLOWS[method]

    def clear(self) -> None:
        """Deactivate every knob."""
        with self._lock:
            self._knobs.clear()
