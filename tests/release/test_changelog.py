"""CHANGELOG.md: Keep a Changelog form, the entry `make update-spec` drafts, and a release of Unreleased."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from scripts import changelog
from scripts.paths import REPO_ROOT
from scripts.spec_diff import BREAKING, NON_BREAKING, POTENTIALLY, Change

SHA = "1a2b3c4d" + "0" * 56
CHANGES = [
    Change(NON_BREAKING, "endpoint-added", "operations", "GET /things (getThings)", "endpoint added"),
    Change(BREAKING, "api-path-removed", "operations", "GET /media (getMedia)", "endpoint removed"),
    Change(POTENTIALLY, "response-property-enum-value-added", "enums", "Status.status", 'value "X" added'),
]
EMPTY = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-29\n\n### Added\n\n- The start.\n"


def test_the_changelog_keeps_a_changelog_form() -> None:
    text = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "## [Unreleased]" in text
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert ("0.1.0", "2026-11-29") in releases
    assert text.index("## [Unreleased]") < text.index("## [0.1.0]")
    headings = re.findall(r"^### (.+)$", text, re.MULTILINE)
    assert set(headings) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_an_adopted_document_gets_an_entry_drafted_from_its_report(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(EMPTY, encoding="utf-8")
    assert changelog.add_spec_entry("v3", "3.1.3", "3.1.4", SHA, CHANGES, path) is True
    text = path.read_text(encoding="utf-8")
    unreleased = changelog.unreleased(text)
    assert unreleased.startswith(
        "### Changed\n\n- CaaS v3: AVIV's document 3.1.4 adopted (was 3.1.3; sha256 1a2b3c4d)"
    )
    assert "3 change(s) for a client: 1 breaking, 1 potentially breaking, 1 non-breaking" in unreleased
    assert f"{changelog.BREAKING_MARK} code using what changed stops working" in unreleased
    lines = [change.line() for change in CHANGES]
    assert [line for line in lines if f"  {line}" not in unreleased] == []
    assert (
        unreleased.index(lines[1]) < unreleased.index(lines[2]) < unreleased.index(lines[0])
    )  # breaking first
    assert changelog.has_breaking_change(text)
    assert "## [0.1.0] - 2026-11-29\n\n### Added\n\n- The start.\n" in text  # the releases are left alone


def test_the_same_document_is_entered_once_and_the_next_one_goes_first(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(EMPTY, encoding="utf-8")
    assert changelog.add_spec_entry("v3", "3.1.3", "3.1.4", SHA, CHANGES[:1], path) is True
    assert changelog.add_spec_entry("v3", "3.1.3", "3.1.4", SHA, CHANGES[:1], path) is False
    assert changelog.add_spec_entry("v4", "4.0.2", "4.0.3", "f" * 64, [], path) is True
    unreleased = changelog.unreleased(path.read_text(encoding="utf-8"))
    assert unreleased.count("### Changed") == 1
    assert unreleased.index("CaaS v4") < unreleased.index("CaaS v3")
    assert "0 change(s) for a client" in unreleased
    assert not changelog.has_breaking_change(path.read_text(encoding="utf-8"))


def test_an_update_without_a_report_says_so(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(EMPTY, encoding="utf-8")
    changelog.add_spec_entry("v3", "3.1.3-unread", "3.1.4", SHA, None, path)
    assert "no API change report (the pinned document could not be read)" in path.read_text(encoding="utf-8")


def test_a_release_moves_unreleased_under_its_version(tmp_path: Path) -> None:
    text = EMPTY.replace("## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n\n- A fix.\n")
    released = changelog.release(text, "0.2.0", date(2026, 12, 24))
    assert changelog.unreleased(released) == ""
    assert "## [Unreleased]\n\n## [0.2.0] - 2026-12-24\n\n### Fixed\n\n- A fix.\n\n## [0.1.0]" in released


def test_nothing_to_release_or_no_unreleased_section_is_an_error() -> None:
    with pytest.raises(changelog.ChangelogError, match="empty"):
        changelog.release(EMPTY, "0.2.0", date(2026, 12, 24))
    with pytest.raises(changelog.ChangelogError, match=r"no `## \[Unreleased\]`"):
        changelog.unreleased("# Changelog\n")
