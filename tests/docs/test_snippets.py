"""Every Python snippet of the docs and of the README runs (tests/docs/snippets.py says how each one does)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_every_page_with_python_has_its_snippets_collected() -> None:
    pages = {
        snippet.page.relative_to(snippet.page.parents[len(snippet.page.parents) - 1]) for snippet in SNIPPETS
    }
    assert len(SNIPPETS) >= 25, [snippet.id for snippet in SNIPPETS]
    assert any(str(page).endswith("README.md") for page in pages)
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
