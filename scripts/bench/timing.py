"""Timing loops: per-call cost of contenders measured in interleaved rounds.

Contenders run one after another inside each round, in a rotated order, so that drift (CPU
frequency, other processes) hits baseline and candidate alike. A contender's figure is the
median of its rounds; a ratio is *paired*: the median, over rounds, of the candidate's time
divided by the baseline's time in the same round, which cancels the load that changes from one
round to the next (on a busy machine, the ratio of two medians can drift by several percent
between identical contenders; the paired ratio stays within about one). Sync and async share
the round logic; only the loop that makes the calls differs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from scripts.bench.registry import BenchContext, Figure, Target

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Timings:
    """Seconds per call of each contender, one sample per round (rounds aligned across contenders)."""

    samples: Mapping[str, Sequence[float]]

    def median(self, name: str) -> float:
        """Median seconds per call of ``name``."""
        return statistics.median(self.samples[name])

    def ratio(self, name: str, baseline: str) -> float:
        """Median over rounds of ``name`` / ``baseline`` measured in the same round."""
        pairs = zip(self.samples[name], self.samples[baseline], strict=True)
        return statistics.median(value / base for value, base in pairs)

    def figure(
        self,
        row: str,
        name: str,
        baseline: str,
        *,
        note: str,
        target: Target | None = None,
        baseline_label: str | None = None,
    ) -> Figure:
        """The row for ``name`` against ``baseline``: both medians, and their paired ratio."""
        return Figure(
            row=row,
            value=self.median(name),
            unit="s/call",
            baseline=self.median(baseline),
            baseline_label=baseline if baseline_label is None else baseline_label,
            target=target,
            note=note,
            paired_ratio=self.ratio(name, baseline),
        )


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


def _rounds(names: list[str], ctx: BenchContext, measure: Callable[[str, int], float]) -> Timings:
    """Warm every contender up, then run ``ctx.repeats`` rotated rounds of ``ctx.calls`` calls each."""
    for name in names:
        measure(name, max(ctx.calls, 100))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(ctx.repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(measure(name, ctx.calls))
    return Timings(samples)


def per_call(ctx: BenchContext, contenders: Mapping[str, SyncCall]) -> Timings:
    """Per-round seconds per call of each synchronous contender."""
    return _rounds(list(contenders), ctx, lambda name, calls: time_calls(contenders[name], calls))


def per_call_async(ctx: BenchContext, contenders: Mapping[str, AsyncCall]) -> Timings:
    """Per-round seconds per call of each asynchronous contender, all on one event loop."""
    with asyncio.Runner() as runner:
        return _rounds(
            list(contenders), ctx, lambda name, calls: runner.run(time_calls_async(contenders[name], calls))
        )
