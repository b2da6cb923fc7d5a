"""The benchmark registry: named benchmarks, the figures they measure, and how a run is sized."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from scripts.paths import DEFAULT_BUILD_DIR


class BenchSkipped(Exception):
    """Raised by a benchmark that cannot run here (e.g. redis-server is not installed)."""


@dataclass(frozen=True)
class Target:
    """A goal from the issue, shown beside a figure; the bench never fails on it."""

    limit: float
    of: Literal["value", "ratio"] = "value"
    exact: bool = False
    """Met only when equal to ``limit`` (counts such as "exactly 1 token request"), not when below."""
    at_least: bool = False
    """Met when at or above ``limit`` (a throughput as a share of a rate), not when below."""


@dataclass(frozen=True)
class Figure:
    """One measured row of the table, optionally with the baseline measured in the same run.

    ``unit`` is ``"s"`` (seconds), ``"s/call"`` (seconds per call) or a count's noun
    (``"modules"``, ``"requests"``); the report picks a readable scale for times.
    ``paired_ratio``, when given, is the ratio (see ``timing.Timings.ratio``); otherwise the
    ratio is ``value / baseline``.
    """

    row: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: Target | None = None
    note: str = ""
    paired_ratio: float | None = None

    @property
    def ratio(self) -> float | None:
        """The paired ratio if measured, else ``value / baseline`` when there is a non-zero baseline."""
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def meets_target(self) -> bool | None:
        """Whether the figure is within its target (None without one)."""
        if self.target is None:
            return None
        measured = self.value if self.target.of == "value" else self.ratio
        if measured is None:
            return None
        if self.target.exact:
            return measured == self.target.limit
        return measured >= self.target.limit if self.target.at_least else measured <= self.target.limit


@dataclass(frozen=True)
class BenchContext:
    """How big a run is; every benchmark sizes its loops from here."""

    quick: bool = False
    repeats: int = 100
    calls: int = 100
    import_runs: int = 9
    generate_runs: int = 3
    concurrency_runs: int = 3
    token_delay: float = 0.05
    """Seconds the loopback token endpoint of the concurrency rows takes to answer."""
    work_dir: Path = DEFAULT_BUILD_DIR / "bench"

    @classmethod
    def create(
        cls,
        *,
        quick: bool,
        work_dir: Path | None = None,
        calls: int | None = None,
        repeats: int | None = None,
    ) -> BenchContext:
        """The full run (issue 7's sizes) or a quick smoke run; ``calls``/``repeats`` override."""
        ctx = cls(work_dir=work_dir or DEFAULT_BUILD_DIR / "bench")
        if quick:
            ctx = replace(
                ctx, quick=True, repeats=5, calls=60, import_runs=3, generate_runs=1, concurrency_runs=1
            )
        return replace(ctx, calls=calls or ctx.calls, repeats=repeats or ctx.repeats)

    def describe(self) -> str:
        """One line saying how the figures were obtained."""
        return (
            f"per-call: median of {self.repeats} rounds x {self.calls:,} calls "
            f"({self.repeats * self.calls:,} calls per contender); "
            f"imports: {self.import_runs} fresh interpreters per variant; "
            f"concurrency: {self.concurrency_runs} run(s) per scenario, token endpoint delay "
            f"{self.token_delay * 1000:g} ms; generate: {self.generate_runs} run(s)"
        )


BenchFunction = Callable[[BenchContext], Iterable[Figure]]


@dataclass(frozen=True)
class Benchmark:
    """A named benchmark and the rows it promises to produce (in table order)."""

    name: str
    rows: tuple[str, ...]
    run: BenchFunction = field(compare=False)


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, rows: Iterable[str]) -> Callable[[BenchFunction], BenchFunction]:
    """Register ``function`` as benchmark ``name``, producing exactly ``rows``."""

    def register(function: BenchFunction) -> BenchFunction:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        row_names = tuple(rows)
        taken = {row for bench in REGISTRY.values() for row in bench.rows} & set(row_names)
        if not row_names or taken:
            raise ValueError(f"benchmark {name!r} needs rows of its own (already used: {sorted(taken)})")
        REGISTRY[name] = Benchmark(name, row_names, function)
        return function

    return register
