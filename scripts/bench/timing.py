"""Timing loops: per-call cost of contenders measured in interleaved rounds, median per contender.

Contenders run one after another inside each round, in a rotated order, so that drift (CPU
frequency, other processes) hits baseline and candidate alike. Sync and async share the round
logic; only the loop that makes the calls differs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping

from scripts.bench.registry import BenchContext

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


def time_calls(call: SyncCall, calls: int) -> float:
    """Seconds per call of ``call`` over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


async def time_calls_async(call: AsyncCall, calls: int) -> float:
    """Seconds per call of awaiting ``call()`` over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - start) / calls


def _rounds(names: list[str], ctx: BenchContext, measure: Callable[[str, int], float]) -> dict[str, float]:
    """Warm every contender up, then run ``ctx.repeats`` rotated rounds; median seconds per call."""
    for name in names:
        measure(name, max(ctx.calls, 100))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(ctx.repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(measure(name, ctx.calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def per_call(ctx: BenchContext, contenders: Mapping[str, SyncCall]) -> dict[str, float]:
    """Median seconds per call of each synchronous contender."""
    return _rounds(list(contenders), ctx, lambda name, calls: time_calls(contenders[name], calls))


def per_call_async(ctx: BenchContext, contenders: Mapping[str, AsyncCall]) -> dict[str, float]:
    """Median seconds per call of each asynchronous contender, all on one event loop."""
    with asyncio.Runner() as runner:
        return _rounds(
            list(contenders), ctx, lambda name, calls: runner.run(time_calls_async(contenders[name], calls))
        )
