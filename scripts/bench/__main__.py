"""``make bench``: run the registered benchmarks and print one table of figures.

    python -m scripts.bench [--quick] [--only NAME ...] [--list] [--calls N] [--repeats N] [--work-dir DIR]

Exits 0 whatever the figures are (targets are shown, never enforced); exits 1 only when a
benchmark crashed or broke its promise of rows, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from scripts.bench.registry import REGISTRY, BenchContext, Benchmark, BenchSkipped
from scripts.bench.report import Outcome, table

# Modules whose @benchmark functions make up the table, in table order.
BENCH_MODULES = (
    "scripts.bench.imports",
    "scripts.bench.calls",
    "scripts.bench.auth",
    "scripts.bench.concurrency",
    "scripts.bench.workflows",
    "scripts.bench.sync",
    "scripts.bench.scale",
    "scripts.bench.generation",
)


def load_benchmarks() -> dict[str, Benchmark]:
    """Import every benchmark module (registering its benchmarks) and return the registry."""
    for module in BENCH_MODULES:
        importlib.import_module(module)
    return REGISTRY


def run_one(bench: Benchmark, ctx: BenchContext) -> tuple[list[Outcome], bool]:
    """Run one benchmark; its table lines and whether it ran as promised."""
    try:
        figures = list(bench.run(ctx))
    except BenchSkipped as skipped:
        return [Outcome(row, problem=f"skipped: {skipped}") for row in bench.rows], True
    except Exception as exc:  # noqa: BLE001 - a broken benchmark is reported, the others still run
        traceback.print_exc(file=sys.stderr)
        return [Outcome(row, problem=f"FAILED: {type(exc).__name__}: {exc}") for row in bench.rows], False
    by_row = {figure.row: figure for figure in figures}
    outcomes = [
        Outcome(row, by_row.get(row), "" if row in by_row else "FAILED: not produced") for row in bench.rows
    ]
    extra = sorted(by_row.keys() - set(bench.rows))
    if extra:
        print(f"bench {bench.name!r} produced undeclared rows {extra}", file=sys.stderr)
    honest = len(by_row) == len(figures) and not extra and all(outcome.figure for outcome in outcomes)
    return outcomes, honest


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small loops, for a smoke run (seconds)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this benchmark")
    parser.add_argument("--list", action="store_true", help="list benchmarks and their rows, run nothing")
    parser.add_argument("--calls", type=_positive, help="calls per round of the per-call rows (default 100)")
    parser.add_argument("--repeats", type=_positive, help="rounds of the per-call rows (default 100)")
    parser.add_argument("--work-dir", type=Path, help="where generated variants go (default build/bench)")
    args = parser.parse_args(argv)
    benchmarks = load_benchmarks()
    if args.list:
        for bench in benchmarks.values():
            print(f"{bench.name}: {', '.join(bench.rows)}")
        return 0
    unknown = sorted(set(args.only) - benchmarks.keys())
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {sorted(benchmarks)}")
    ctx = BenchContext.create(
        quick=args.quick, work_dir=args.work_dir, calls=args.calls, repeats=args.repeats
    )
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    print(f"aviv-caas bench{' (quick)' if ctx.quick else ''}: {ctx.describe()}")
    cpus = os.cpu_count() or "?"
    print(f"python {platform.python_version()} on {platform.platform()}, {cpus} CPUs", flush=True)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    all_ran = True
    for bench in benchmarks.values():
        if args.only and bench.name not in args.only:
            continue
        print(f"  running {bench.name} ...", file=sys.stderr, flush=True)
        lines, ran = run_one(bench, ctx)
        outcomes += lines
        all_ran &= ran
    print()
    print(table(outcomes))
    elapsed = time.perf_counter() - started
    print(
        f"\n{len(outcomes)} rows in {elapsed:.0f} s. Value and baseline are measured in this run; the ratio"
        " of a per-call row (s/call) is the median of per-round ratios, any other is value / baseline."
    )
    return 0 if all_ran else 1


if __name__ == "__main__":
    raise SystemExit(main())
