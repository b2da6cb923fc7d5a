"""Generation row: wall time of ``make generate``'s command, into a build folder."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.paths import DEFAULT_API, GENERATED_PACKAGE, REPO_ROOT

GENERATE_TARGET = Target(10.0)


@benchmark("generate", ("generate.wall",))
def generate_wall_time(ctx: BenchContext) -> Iterator[Figure]:
    """Median wall time of ``python -m scripts.generate`` (spec check, overlay, generator, ruff)."""
    build = ctx.work_dir / "generate-build"
    command = [
        sys.executable,
        "-m",
        "scripts.generate",
        "--api",
        DEFAULT_API,
        "--build-dir",
        str(build),
        "--output",
        str(ctx.work_dir / "generate" / GENERATED_PACKAGE.name),
    ]
    seconds = []
    for _ in range(ctx.generate_runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        seconds.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise RuntimeError(f"generation failed:\n{(result.stdout + result.stderr).strip()}")
    yield Figure(
        "generate.wall",
        statistics.median(seconds),
        "s",
        target=GENERATE_TARGET,
        note="python -m scripts.generate: spec check, overlay, generator, ruff",
    )
