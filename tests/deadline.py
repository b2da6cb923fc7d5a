"""Hang detection: run a call in a thread or a forked child and fail if it has not finished in time.

The bound is generous (a hang, not a slowness): tests assert that a call *finishes*, never how fast.
A call that hangs is left behind in a daemon thread (or its child is killed), so the failure is
reported instead of freezing the suite.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

HANG = 30.0
"""Seconds after which a call that should return at once is declared hung."""

T = TypeVar("T")


def finishes(call: Callable[[], T], *, within: float = HANG, what: str = "the call") -> T:
    """``call()``'s result (or its exception), raised as AssertionError if it runs longer than ``within``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="hang-check", daemon=True)
    thread.start()
    thread.join(within)
    if thread.is_alive():
        raise AssertionError(f"{what} did not finish within {within:g} s: it hangs")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def in_forked_child(call: Callable[[], Any], *, within: float = HANG) -> Any:
    """Run ``call()`` in a child made by ``os.fork()`` and return its (JSON-able) result.

    The child always leaves through ``os._exit`` (no pytest teardown, no atexit in the child). A
    child still running after ``within`` seconds is killed and reported as hung; a child whose
    call raised is reported with the child's traceback.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 3
        try:
            os.close(read_end)
            try:
                outcome = {"value": call()}
                code = 0
            except BaseException:  # noqa: BLE001 - reported to the parent
                outcome = {"error": traceback.format_exc()}
                code = 1
            data = json.dumps(outcome, default=repr).encode()
            while data:
                data = data[os.write(write_end, data) :]
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)
    reader.start()
    deadline = time.monotonic() + within
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            reader.join(5)
            raise AssertionError(f"the forked child did not finish within {within:g} s: it hangs")
        time.sleep(0.02)
    reader.join(10)
    raw = b"".join(chunks)
    if not raw:
        raise AssertionError(f"the forked child died without an answer (wait status {status})")
    outcome = json.loads(raw)
    if "error" in outcome:
        raise AssertionError(f"the forked child failed:\n{outcome['error']}")
    return outcome["value"]


def _drain(fd: int, chunks: list[bytes]) -> None:
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
