"""README is a front door: every section it had before the docs site (and every section it has now, but its
own front-door ones) has a home among the docs' headings."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
# The README's sections (## and ###) before they moved into docs/, and those added on other branches since.
MOVED_FROM_README = (
    "Set up",
    "Depend on it",
    "Quickstart",
    "Quickstart against the local sandbox",
    "Workflows",
    "Webhooks: statuses pushed to you",
    "Checking bodies before sending them",
    "Operations",
    "What `create_client` takes",
    "Migrating from v3 to v4",
    "Token stores: which one to pick",
    "How authentication behaves (AVIV's rules)",
    "Retries, timeouts and traceparent",
    "Updating AVIV's spec",
    "Layout",
    "Local sandbox",
    "Run it as a server",
    "In Python",
    "In your tests (pytest)",
    "The token-reuse report",
    "Fault knobs",
    "Errors",
    "Performance",
    "Running at scale",  # i18a's, merged from main
    "A shared rate budget",
    "OpenTelemetry",
    "Logging",
    "Keeping an agency in sync",  # i17's and i19a's, merged from main
    "Migrating an agency to v4",
    "Command line",
    "Deadlines and typed errors for common slips",
)
# The README's own sections, which point into the docs rather than hold a part of them.
FRONT_DOOR = ("Documentation", "License")
_HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^\s*```.*?^\s*```", re.MULTILINE | re.DOTALL)


def headings(page: Path, deepest: int = 6) -> list[str]:
    """The headings of ``page`` (outside code blocks), as written."""
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return [title for marks, title in _HEADING.findall(text) if len(marks) <= deepest]


def docs_headings() -> set[str]:
    return {title for page in DOCS.rglob("*.md") for title in headings(page)}


def test_every_section_moved_from_the_readme_has_a_home_in_the_docs() -> None:
    assert [title for title in MOVED_FROM_README if title not in docs_headings()] == []


def test_every_section_of_the_readme_is_in_the_docs_too() -> None:
    sections = [title for title in headings(README)[1:] if title not in FRONT_DOOR]
    assert sections, "README has no section"
    assert [title for title in sections if title not in docs_headings()] == [], (
        "a README section must also be a heading of a docs page (docs/): put the full text there and keep the "
        "README short"
    )


def test_a_missing_home_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Kept\n\n```sh\n# not a heading\n```\n\n### Deeper\n", encoding="utf-8")
    assert headings(page) == ["Title", "Kept", "Deeper"]
    assert headings(page, deepest=2) == ["Title", "Kept"]
    assert "Errors" in docs_headings()
    assert "No such section anywhere" not in docs_headings()
