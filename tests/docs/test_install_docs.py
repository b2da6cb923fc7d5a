"""What the README and the docs tell a new user to run exists (issue 19, item 14).

aviv-caas is not on PyPI: no `pip install 'aviv-caas[...]'` (it finds nothing); a git URL pins a tag
only if the repository has it (otherwise a placeholder for the release wanted).
"""

from __future__ import annotations

import re
import subprocess

from scripts.paths import REPO_ROOT

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def all_pages() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def test_no_install_command_needs_pypi() -> None:
    text = all_pages()
    by_name = re.findall(r"pip install '?aviv-caas\[[^\]]*\]'?(?! @)", text)  # `aviv-caas[x] @ git+...` works
    assert by_name == []


def test_a_git_url_pins_an_existing_tag_or_says_which_to_pick() -> None:
    text = all_pages()
    refs = re.findall(r"\.git@([^'\"\s`]+)", text)
    assert refs, "the docs show how to depend on a git URL"
    tags = set(
        subprocess.run(
            ["git", "tag", "--list"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for ref in refs:
        assert ref in tags or re.fullmatch(r"<[^>]+>", ref), f"{ref} is not a tag of this repository"
    assert "`<tag>` is the tag of the release you want" in text
