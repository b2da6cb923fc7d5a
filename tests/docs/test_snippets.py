"""Every Python snippet of the docs and of the README runs (tests/docs/snippets.py says how each one does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.paths import REPO_ROOT
from tests.docs.snippets import (
    PRELUDES,
    Snippet,
    all_snippets,
    assert_prints_what_its_comments_say,
    run,
    snippets_of,
)
from tests.sandbox.conftest import run_pytest

SNIPPETS = all_snippets()


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet.id for snippet in SNIPPETS])
def test_the_snippet_runs(snippet: Snippet, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if snippet.is_pytest:
        (tmp_path / "test_docs_snippet.py").write_text(snippet.code, encoding="utf-8")
        done = run_pytest(tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 passed" in done.stdout
        return
    env = {"REDIS_URL": request.getfixturevalue("redis_url")} if "REDIS_URL" in snippet.code else {}
    result = run(snippet, tmp_path, env)
    assert result.returncode == 0, f"{snippet.id} ({snippet.heading}):\n{result.stderr}"
    if snippet.wants_output_checked:
        assert_prints_what_its_comments_say(snippet.code, result.stdout)


def test_every_page_s_snippets_are_collected_and_say_how_they_run() -> None:
    assert len(SNIPPETS) >= 25, [snippet.id for snippet in SNIPPETS]
    pages = {snippet.page.relative_to(REPO_ROOT).as_posix() for snippet in SNIPPETS}
    assert {"README.md", "docs/index.md", "docs/getting-started.md", "docs/guides/errors.md"} <= pages
    for snippet in SNIPPETS:
        assert snippet.mark in ("", "output", "pytest", "continues") or snippet.prelude is not None, (
            snippet.id
        )
        if snippet.prelude is not None:
            assert (PRELUDES / f"{snippet.prelude.removesuffix('-v4')}.py").is_file(), snippet.id


def test_a_failing_snippet_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n```python\nx = 1\n```\n\n<!-- test: continues -->\n```python\nassert x == 2, 'x is 1'\n```\n",
        encoding="utf-8",
    )
    first, second = snippets_of(page)
    assert run(first, tmp_path).returncode == 0
    result = run(second, tmp_path)
    assert result.returncode != 0
    assert "x is 1" in result.stderr


def test_a_snippet_may_await_at_its_top_level(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n    ```python\n    import asyncio\n    await asyncio.sleep(0)\n    print('awaited')\n    ```\n",
        encoding="utf-8",
    )
    (snippet,) = snippets_of(page)
    result = run(snippet, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "awaited\n"


def test_a_comment_that_drifted_is_caught() -> None:
    code = 'print("1 token request for 6 API calls")  # 1 token request for 4 API calls\n'
    with pytest.raises(AssertionError):
        assert_prints_what_its_comments_say(code, "1 token request for 6 API calls\n")
    assert_prints_what_its_comments_say(code.replace("4 API", "6 API"), "1 token request for 6 API calls\n")
