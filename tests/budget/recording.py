"""Helpers of the budget tests: sleeps that are counted, and a budget that counts what it is asked."""

from __future__ import annotations

import time
from typing import Any


class Sleeps:
    """Real sleeps (limits reads the real clock), counted: tests assert how many, never how long."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, seconds: float) -> None:
        self.count += 1
        time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        import anyio

        self.count += 1
        await anyio.sleep(seconds)


class CountingBudget:
    """A RateBudget that lets everything through and counts acquires and pauses (per client id)."""

    def __init__(self) -> None:
        self.acquired: list[str] = []
        self.paused: list[tuple[str, float | None]] = []

    def acquire(self, key: str, *, timeout: float | None = None) -> float:
        self.acquired.append(key)
        return 0.0

    async def aacquire(self, key: str, *, timeout: float | None = None) -> float:
        return self.acquire(key, timeout=timeout)

    def pause(self, key: str, seconds: float | None) -> None:
        self.paused.append((key, seconds))

    async def apause(self, key: str, seconds: float | None) -> None:
        self.pause(key, seconds)


def options(sleeps: Sleeps, **more: Any) -> dict[str, Any]:
    """Budget options that count the sleeps (sync and async)."""
    return {"sleep": sleeps, "async_sleep": sleeps.sleep_async, **more}
