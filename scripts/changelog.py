"""CHANGELOG.md, in Keep a Changelog form: what ``make update-spec`` drafts and ``make release`` cuts.

- :func:`add_spec_entry`: the entry ``make update-spec`` adds under ``## [Unreleased]`` for an adopted
  document, drafted from the API change report (the versions, the report's figures, every change
  line), marked so that adopting the same document again adds nothing.
- :func:`release`: ``## [Unreleased]`` becomes ``## [x.y.z] - date`` under a new, empty
  ``## [Unreleased]``.
- :func:`unreleased` and :func:`has_breaking_change`: what the release's version rule reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from scripts.paths import REPO_ROOT
from scripts.spec_diff import BREAKING, LEVELS, Change, figures

CHANGELOG = REPO_ROOT / "CHANGELOG.md"
UNRELEASED = "## [Unreleased]"
BREAKING_MARK = "**Breaking:**"
"""Starts an entry's sentence that makes the next release a major one (the version rule)."""
_RELEASE_HEADING = re.compile(r"^## \[", re.MULTILINE)


class ChangelogError(Exception):
    """CHANGELOG.md lacks what is asked of it (the message says what)."""


def _split(text: str) -> tuple[str, str, str]:
    """``text`` as (up to and including the Unreleased heading, its body, the releases after it)."""
    start = text.find(UNRELEASED)
    if start < 0:
        raise ChangelogError(f"CHANGELOG.md has no `{UNRELEASED}` section: add one under its title")
    head_end = start + len(UNRELEASED)
    following = _RELEASE_HEADING.search(text, head_end)
    end = following.start() if following else len(text)
    return text[:head_end], text[head_end:end], text[end:]


def unreleased(text: str) -> str:
    """The body of the ``## [Unreleased]`` section, stripped."""
    return _split(text)[1].strip()


def has_breaking_change(text: str) -> bool:
    """Whether Unreleased records a breaking change (an entry marked breaking, or a report line)."""
    body = unreleased(text)
    return BREAKING_MARK in body or f"**{BREAKING}**" in body


def spec_marker(api: str, version: str, sha256: str) -> str:
    """The hidden mark of one adopted document: its API, version and sha256 prefix."""
    return f"<!-- update-spec {api} {version} sha256:{sha256[:8]} -->"


def spec_entry(
    api: str, old_version: str, new_version: str, sha256: str, changes: Sequence[Change] | None
) -> str:
    """The drafted entry (Markdown bullet) for adopting AVIV's ``new_version`` of ``api``.

    ``changes`` is the API change report's; None when there was none (the pinned document unread).
    """
    breaking = sum(change.level == BREAKING for change in changes or ())
    summary = (
        figures(list(changes))
        if changes is not None
        else "no API change report (the pinned document could not be read): review the code diff"
    )
    lines = [
        f"- CaaS {api}: AVIV's document {new_version} adopted (was {old_version}; sha256 {sha256[:8]}): "
        f"{summary}."
        + (
            f" {BREAKING_MARK} code using what changed stops working; the next release is a major one."
            if breaking
            else ""
        ),
        f"  {spec_marker(api, new_version, sha256)}",
    ]
    for change in sorted(changes or (), key=lambda c: (LEVELS.index(c.level), c.section, c.subject)):
        lines.append(f"  {change.line()}")
    return "\n".join(lines)


def add_spec_entry(
    api: str,
    old_version: str,
    new_version: str,
    sha256: str,
    changes: Sequence[Change] | None,
    changelog: Path = CHANGELOG,
) -> bool:
    """Add the drafted entry under Unreleased's ``### Changed``; False when this document already has one."""
    text = changelog.read_text(encoding="utf-8")
    if spec_marker(api, new_version, sha256) in text:
        return False
    head, body, rest = _split(text)
    entry = spec_entry(api, old_version, new_version, sha256, changes)
    changed = body.find("\n### Changed\n")
    if changed >= 0:
        insert = changed + len("\n### Changed\n")
        while body.startswith("\n", insert):
            insert += 1
        body = body[:insert] + entry + "\n" + body[insert:]
    else:
        body = body.rstrip("\n") + "\n\n### Changed\n\n" + entry + "\n\n"
    changelog.write_text(head + body + rest, encoding="utf-8")
    return True


def release(text: str, version: str, day: date) -> str:
    """``text`` with Unreleased released as ``version`` on ``day`` (a new empty Unreleased above it)."""
    head, body, rest = _split(text)
    if not body.strip():
        raise ChangelogError(
            f"CHANGELOG.md's `{UNRELEASED}` section is empty: say what {version} changes before releasing it"
        )
    released = f"## [{version}] - {day.isoformat()}"
    return f"{head}\n\n{released}\n\n{body.strip()}\n\n{rest}".rstrip("\n") + "\n"
