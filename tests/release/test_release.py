"""`make release`: the version rule, and a dry run and a real release in a throwaway clone of the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from scripts import release
from scripts.paths import REPO_ROOT

UNRELEASED = (
    "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- A fix.\n\n## [0.1.0] - 2026-11-29\n\n- The start.\n"
)


def test_a_version_must_be_semantic_and_above_the_current_one() -> None:
    for wrong in ("0.2", "v0.2.0", "0.2.0-rc1", "01.2.3", ""):
        with pytest.raises(release.ReleaseError, match="not a semantic version"):
            release.check_version_rule(wrong, "0.1.0", UNRELEASED)
    for old in ("0.1.0", "0.0.9"):
        with pytest.raises(release.ReleaseError, match=r"not above the current version 0\.1\.0"):
            release.check_version_rule(old, "0.1.0", UNRELEASED)
    release.check_version_rule("0.1.1", "0.1.0", UNRELEASED)
    release.check_version_rule("0.2.0", "0.1.0", UNRELEASED)


def test_a_breaking_change_makes_a_major_release() -> None:
    breaking = UNRELEASED.replace(
        "- A fix.", "- CaaS v3: ... **Breaking:** code using what changed stops working."
    )
    with pytest.raises(release.ReleaseError, match=r"major release: VERSION=1\.0\.0, not 0\.2\.0"):
        release.check_version_rule("0.2.0", "0.1.0", breaking)
    report_line = UNRELEASED.replace(
        "- A fix.", "- x\n  - **breaking** `api-path-removed`: GET /x: endpoint removed"
    )
    with pytest.raises(release.ReleaseError, match="major release"):
        release.check_version_rule("0.1.1", "0.1.0", report_line)
    release.check_version_rule("1.0.0", "0.1.0", breaking)
    potentially = UNRELEASED.replace("- A fix.", "- x\n  - **potentially breaking** `a-rule`: y")
    release.check_version_rule("0.2.0", "0.1.0", potentially)


def test_the_current_version_is_the_package_s() -> None:
    import aviv_caas_auth

    assert release.current_version() == aviv_caas_auth.__version__


def clone(tmp_path: Path) -> Path:
    """What a release reads and writes, copied into a fresh git repository with one commit."""
    root = release.copy_tree(REPO_ROOT, tmp_path / "repo")
    shutil.copy2(REPO_ROOT / ".gitignore", root / ".gitignore")
    (root / "CHANGELOG.md").write_text(UNRELEASED, encoding="utf-8")
    for command in (
        ["init", "--quiet"],
        ["config", "user.name", "aviv-caas"],
        ["config", "user.email", "dev@aviv-caas.invalid"],
        ["add", "-A"],
        ["commit", "--quiet", "-m", "start"],
    ):
        release.git(*command, root=root)
    return root


def wheel_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
        assert "License-File: LICENSE" in text or "licenses/LICENSE" in " ".join(archive.namelist())
        return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Version: "))


@pytest.mark.slow
def test_a_dry_run_builds_the_wheel_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = clone(tmp_path)
    (root / "untracked.txt").write_text("work in progress\n", encoding="utf-8")
    assert release.release("0.2.0", dry_run=True, root=root, day=date(2026, 12, 24)) == 0
    out = capsys.readouterr().out
    for step in (
        "1. checks: 0.1.0 -> 0.2.0",
        "2. would run the full test suite: make test",
        "3. would set",
        "4. builds the sdist and the wheel, twine check",
        "5. would commit",
        "would commit",
    ):
        assert step in out
    assert "work tree NOT clean (1 path(s)): a real release would stop here" in out
    wheels = list((root / "build" / "release-dry-run" / "dist").glob("*.whl"))
    assert [wheel.name for wheel in wheels] == ["aviv_caas-0.2.0-py3-none-any.whl"]
    assert wheel_version(wheels[0]) == "0.2.0"
    assert len(list((root / "build" / "release-dry-run" / "dist").glob("*.tar.gz"))) == 1
    assert release.current_version(root) == "0.1.0"  # nothing of the checkout changed
    assert (root / "CHANGELOG.md").read_text(encoding="utf-8") == UNRELEASED
    assert release.git("tag", "--list", root=root) == ""


@pytest.mark.slow
def test_a_release_tests_builds_commits_and_tags(tmp_path: Path) -> None:
    root = clone(tmp_path)
    (root / "scratch.txt").write_text("not committed\n", encoding="utf-8")
    with pytest.raises(release.ReleaseError, match="work tree is not clean"):
        release.release("0.2.0", dry_run=False, root=root, test_command=["true"])
    (root / "scratch.txt").unlink()
    with pytest.raises(release.ReleaseError, match="`false` failed: nothing was committed or tagged"):
        release.release("0.2.0", dry_run=False, root=root, test_command=["false"])
    assert release.current_version(root) == "0.1.0"

    assert (
        release.release("0.2.0", dry_run=False, root=root, day=date(2026, 12, 24), test_command=["true"]) == 0
    )
    assert release.current_version(root) == "0.2.0"
    assert "## [0.2.0] - 2026-12-24\n\n### Fixed\n\n- A fix." in (root / "CHANGELOG.md").read_text(
        encoding="utf-8"
    )
    assert release.git("log", "-1", "--format=%s", root=root).strip() == "Release 0.2.0"
    assert release.git("tag", "--list", root=root).split() == ["v0.2.0"]
    assert release.dirty_files(root) == []
    (wheel,) = (root / "build" / "dist").glob("*.whl")
    assert wheel_version(wheel) == "0.2.0"
    release.git("tag", "v0.3.0", root=root)
    with pytest.raises(release.ReleaseError, match=r"tag v0\.3\.0 exists already"):
        release.release("0.3.0", dry_run=False, root=root, test_command=["true"])


def test_make_release_needs_a_version() -> None:
    done = subprocess.run(
        ["make", "-n", "release"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert "scripts.release" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "scripts.release", "0.2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "is not a semantic version" in done.stderr
