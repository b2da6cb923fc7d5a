"""The "Running at scale" sandbox example (docs/guides/running-at-scale.md) runs and prints what its comments say."""

from __future__ import annotations

from pathlib import Path

from scripts.paths import REPO_ROOT
from tests.docs.snippets import assert_prints_what_its_comments_say, run, snippets_of


def test_the_running_at_scale_example_runs_as_written(tmp_path: Path) -> None:
    page = REPO_ROOT / "docs" / "guides" / "running-at-scale.md"
    (snippet,) = [
        s for s in snippets_of(page) if s.heading == "A shared rate budget" and "MemoryRateBudget" in s.code
    ]
    done = run(snippet, tmp_path)
    assert done.returncode == 0, done.stderr
    assert_prints_what_its_comments_say(snippet.code, done.stdout)
