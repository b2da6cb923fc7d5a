"""The README's "Running at scale" sandbox example runs and prints what its comments say."""

from __future__ import annotations

from tests.docs.test_readme import assert_prints_what_its_comments_say, code_block_after, run_code


def test_the_running_at_scale_example_runs_as_written() -> None:
    code = code_block_after("### A shared rate budget", 1)
    assert "MemoryRateBudget" in code
    done = run_code(code)
    assert done.returncode == 0, done.stderr
    assert_prints_what_its_comments_say(code, done.stdout)
