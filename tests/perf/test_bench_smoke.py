"""``make bench --quick`` runs every benchmark and prints a figure for every row (no timing checks).

The only figures checked are counts: every cold-cache concurrency scenario made exactly one token
request.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from scripts.bench.__main__ import load_benchmarks
from scripts.paths import REPO_ROOT

NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"


def test_quick_bench_prints_every_row_with_numbers(tmp_path: Path) -> None:
    benchmarks = load_benchmarks()
    rows = [row for bench in benchmarks.values() for row in bench.rows]
    assert len(rows) == len(set(rows)) >= 10
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--quick", "--work-dir", str(tmp_path / "bench")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()}
    for row in rows:
        assert row in lines, f"row {row} missing from:\n{result.stdout}"
        line = lines[row]
        assert re.match(rf"{re.escape(row)}\s+{NUMBER} \S+", line), line
        assert "FAILED" not in line, line
        assert "skipped" not in line, line
    ratios = [row for row in rows if re.search(rf"\s{NUMBER}x\s", lines[row])]
    # Every row but the generation wall time has a baseline, hence a ratio.
    assert sorted(set(rows) - set(ratios)) == ["generate.wall"]
    token_requests = [row for row in rows if row.endswith(".token_requests")]
    assert {row.split(".")[1] for row in token_requests} == {
        "threads_200",
        "coroutines_1000",
        "file_processes_8",
        "redis_processes_4",
    }
    for row in token_requests:
        assert re.match(rf"{re.escape(row)}\s+1 requests\s+1 requests \(one caller alone\)", lines[row]), (
            lines[row]
        )
        assert "= 1 requests ok" in lines[row], lines[row]
    # The workflow rows (issue 13): typed listing against raw httpx + .json(), publish_many against the ideal.
    for row in ("iter.sync.classifieds_10000", "iter.async.classifieds_10000"):
        assert "(raw httpx + .json())" in lines[row], lines[row]
    for concurrency in (1, 8, 32):
        line = lines[f"publish_many.concurrency_{concurrency}"]
        assert "(ideal)" in line, line
        ratio = float(re.search(rf"\s({NUMBER})x\s", line).group(1))  # type: ignore[union-attr]
        assert ratio >= 1  # nothing beats the ideal: the figure is measured, not made up
    assert re.search(rf"^{len(rows)} rows in {NUMBER} s", result.stdout, re.MULTILINE)


def test_bench_lists_its_rows() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--list"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    )
    for bench in load_benchmarks().values():
        assert f"{bench.name}: {', '.join(bench.rows)}" in result.stdout
