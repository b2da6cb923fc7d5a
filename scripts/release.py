"""Cut a release: ``make release VERSION=x.y.z [DRY_RUN=1]`` (``python -m scripts.release [--dry-run] V``).

1. checks: ``X.Y.Z`` is a semantic version above the current one (``aviv_caas_auth/_version.py``) and
   follows the version rule — when CHANGELOG.md's Unreleased section records a breaking change (a breaking
   line of an API change report, or an entry marked ``**Breaking:**``), only a major release will do; the
   tag ``vX.Y.Z`` is new; the work tree is clean (``git status --porcelain`` says nothing);
2. runs the full test suite (``make test``);
3. sets the version (``_version.py``) and turns CHANGELOG.md's Unreleased into ``[X.Y.Z] - <today>``;
4. builds the sdist and the wheel (``python -m build``) and runs ``twine check`` on them;
5. commits the two files (``Release X.Y.Z``) and tags ``vX.Y.Z`` (annotated). Nothing is pushed.

A failure after step 3 puts the two files back as they were. With ``--dry-run`` every step is printed;
the checks are run (a dirty tree is reported, not fatal), the tests are not, and step 3-4 happen in a copy
of the tree (``build/release-dry-run/``), so the wheel that would be released is built and checked
while nothing of the checkout changes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from scripts import changelog
from scripts.paths import REPO_ROOT

VERSION_FILE = Path("aviv_caas_auth/_version.py")
CHANGELOG_FILE = Path("CHANGELOG.md")
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)
# What a build needs from the tree (pyproject's sdist list, plus the files hatchling always takes).
BUILD_INPUTS = ("aviv_caas_auth", "generated", "scripts", "openapi", "README.md", "LICENSE", "CHANGELOG.md")
BUILD_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")


class ReleaseError(Exception):
    """The release cannot go on (the message says why and what to do)."""


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` as ``(1, 2, 3)``; a ``ReleaseError`` for anything that is not ``MAJOR.MINOR.PATCH``."""
    match = _SEMVER.fullmatch(text)
    if match is None:
        raise ReleaseError(f"VERSION={text!r} is not a semantic version MAJOR.MINOR.PATCH, e.g. 0.2.0")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def current_version(root: Path = REPO_ROOT) -> str:
    """The version ``_version.py`` declares."""
    match = _VERSION_LINE.search((root / VERSION_FILE).read_text(encoding="utf-8"))
    if match is None:
        raise ReleaseError(f'{VERSION_FILE} has no `__version__ = "x.y.z"` line')
    return match.group(1)


def check_version_rule(new: str, current: str, changes: str) -> None:
    """``new`` is above ``current``; a major release if ``changes`` (CHANGELOG.md) records a breaking one."""
    new_parts, current_parts = parse_version(new), parse_version(current)
    if new_parts <= current_parts:
        raise ReleaseError(f"VERSION={new} is not above the current version {current}")
    if changelog.has_breaking_change(changes) and new_parts[0] == current_parts[0]:
        raise ReleaseError(
            f"CHANGELOG.md's Unreleased section records a breaking change, so the version rule asks for a "
            f"major release: VERSION={current_parts[0] + 1}.0.0, not {new}"
        )


def git(*args: str, root: Path = REPO_ROOT) -> str:
    """``git ARGS`` in ``root``; its output (a ``ReleaseError`` when it fails)."""
    command = [shutil.which("git") or "git", *args]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def dirty_files(root: Path = REPO_ROOT) -> list[str]:
    """What ``git status --porcelain`` lists (changed, staged or untracked files)."""
    return git("status", "--porcelain", root=root).splitlines()


def set_version(root: Path, version: str, day: date) -> None:
    """Write ``version`` into ``_version.py`` and release CHANGELOG.md's Unreleased section as it."""
    version_file = root / VERSION_FILE
    text = version_file.read_text(encoding="utf-8")
    version_file.write_text(_VERSION_LINE.sub(f'__version__ = "{version}"', text), encoding="utf-8")
    changes = root / CHANGELOG_FILE
    changes.write_text(changelog.release(changes.read_text(encoding="utf-8"), version, day), encoding="utf-8")


def run(command: Sequence[str], root: Path) -> None:
    """Run ``command`` in ``root``, its output shown; a ``ReleaseError`` when it fails."""
    print(f"release: $ {' '.join(command)}", flush=True)
    if subprocess.run(list(command), cwd=root, check=False).returncode != 0:  # noqa: S603
        raise ReleaseError(f"`{' '.join(command)}` failed: nothing was committed or tagged")


def build_and_check(root: Path, out: Path) -> list[Path]:
    """Build the sdist and the wheel of ``root`` into ``out`` and ``twine check`` them."""
    shutil.rmtree(out, ignore_errors=True)
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(root)], root)
    built = sorted(out.iterdir())
    run([sys.executable, "-m", "twine", "check", "--strict", *(str(path) for path in built)], root)
    return built


def copy_tree(root: Path, into: Path) -> Path:
    """What a build reads of ``root``, copied into ``into`` (emptied first)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    for name in (*BUILD_INPUTS, "pyproject.toml"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=BUILD_IGNORED)
        elif source.is_file():
            shutil.copy2(source, into / name)
    return into


TEST_COMMAND = ("make", "test")


def release(
    version: str,
    *,
    dry_run: bool,
    root: Path = REPO_ROOT,
    day: date | None = None,
    test_command: Sequence[str] = TEST_COMMAND,
) -> int:
    """Cut ``version`` (see the module docstring); the exit status."""
    day = day or date.today()
    tag = f"v{version}"
    say = "release (dry run)" if dry_run else "release"
    current = current_version(root)
    print(f"{say}: 1. checks: {current} -> {version}")
    check_version_rule(version, current, (root / CHANGELOG_FILE).read_text(encoding="utf-8"))
    if git("tag", "--list", tag, root=root).strip():
        raise ReleaseError(f"the tag {tag} exists already: pick another VERSION")
    dirty = dirty_files(root)
    if dirty and not dry_run:
        raise ReleaseError(
            "the work tree is not clean (commit or stash first):\n  " + "\n  ".join(dirty[:20])
        )
    print(
        f"{say}:    version rule kept; tag {tag} is new; work tree "
        + ("clean" if not dirty else (f"NOT clean ({len(dirty)} path(s)): a real release would stop here"))
    )

    if dry_run:
        print(f"{say}: 2. would run the full test suite: {' '.join(test_command)}")
        workdir = copy_tree(root, root / "build" / "release-dry-run" / "tree")
        print(
            f"{say}: 3. would set {VERSION_FILE} and CHANGELOG.md to {version} ({day.isoformat()}); "
            f"done in a copy: {workdir.relative_to(root)}"
        )
        set_version(workdir, version, day)
        print(f"{say}: 4. builds the sdist and the wheel, twine check")
        built = build_and_check(workdir, root / "build" / "release-dry-run" / "dist")
        for path in built:
            print(f"{say}:    {path.relative_to(root)}")
        print(
            f'{say}: 5. would commit {VERSION_FILE} and {CHANGELOG_FILE} ("Release {version}") '
            f"and tag {tag}; nothing is pushed"
        )
        print(f"{say}: nothing of the checkout changed; run without DRY_RUN=1 to release")
        return 0

    print(f"{say}: 2. the full test suite")
    run(test_command, root)
    print(f"{say}: 3. {VERSION_FILE} and CHANGELOG.md set to {version}")
    set_version(root, version, day)
    try:
        print(f"{say}: 4. sdist, wheel, twine check")
        built = build_and_check(root, root / "build" / "dist")
        git("add", str(VERSION_FILE), str(CHANGELOG_FILE), root=root)
        git("commit", "--quiet", "-m", f"Release {version}", root=root)
    except ReleaseError:
        git("checkout", "--", str(VERSION_FILE), str(CHANGELOG_FILE), root=root)
        raise
    git("tag", "--annotate", tag, "--message", f"aviv-caas {version}", root=root)
    print(f'{say}: 5. committed "Release {version}" and tagged {tag}:')
    for path in built:
        print(f"{say}:    {path.relative_to(root)}")
    print(f"{say}: push the commit and the tag when you mean it (git push --follow-tags)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.release",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--dry-run", action="store_true", help="print the steps; build and check in a copy")
    args = parser.parse_args(argv)
    try:
        return release(args.version, dry_run=args.dry_run)
    except (ReleaseError, changelog.ChangelogError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
