"""Adopt a new version of AVIV's document for one API version, in one command.

    make update-spec CAAS_SPEC=/path/to/new.json [API=v3] [ALLOW_SAME_VERSION=1] [ALLOW_DOWNGRADE=1]
    python -m scripts.update_spec [--api v3] [--allow-same-version] [--allow-downgrade] NEW_DOCUMENT

1. checks the new document: JSON, OpenAPI 3, a string ``info.version`` of the same major version
   as the API (``3.x.y`` for v3), newer than the pinned one (the pinned version with other content,
   or an older one, only when asked), and the overlay still applies (every problem listed);
2. prints the API change report between the pinned document and the new one;
3. regenerates the client from the new document; the package it replaces is kept in
   ``build/<api>/previous/<package>``;
4. re-pins ``openapi/<api>/pin.toml``: version (from ``info.version``), sha256 and default
   location, so plain ``make install``, ``make test`` and CI use the new document;
5. saves the report as ``build/<api>/api-changes-<old>-to-<new>-<sha>.md`` and the code diff as
   ``build/<api>/generated-<old>-to-<new>-<sha>.diff`` (``<sha>``: the new document's, so a
   document AVIV changed without a new version gets its own files), and summarises the diff.

It does not need the current pin to be right, since it is the way to fix one: when the pinned
document cannot be read (missing, another sha256) the update goes on without an API change report,
and says so loudly (the code diff is then what to review); when only the pin's ``version`` or
``title`` is wrong, the report compares against its (sha256-verified) document. The other API
versions never block it: what is wrong with them is reported as a note.

Nothing is re-pinned, replaced or saved unless every step before succeeded.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import importlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import changelog
from scripts.generate import (
    GenerationError,
    build_package,
    check_tool_versions,
    generate,
    input_digest,
    swap_in,
)
from scripts.overlay import OverlayError
from scripts.paths import DEFAULT_API, GENERATED_ROOT, REPO_ROOT, ApiPaths, api_versions
from scripts.pin import SpecPin, SpecPinError, document_info, usual_document_dir
from scripts.prepare_spec import patch_document, serialize, write_if_changed
from scripts.readme import ReadmeError, update_docs
from scripts.spec_diff import BREAKING, POTENTIALLY, compare, render


class UpdateError(Exception):
    """The new document cannot be adopted (the message says why and what to do)."""


def _version_key(version: str) -> tuple[int, ...] | None:
    """``(3, 1, 4)`` for ``"3.1.4"``; None when it is not a dotted version number."""
    parts = version.split(".")
    return tuple(int(part) for part in parts) if all(part.isdigit() for part in parts) else None


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Baseline:
    """What the new document replaces: the pinned document if it can be read; what is wrong with the pin."""

    version: str  # the pinned document's info.version, or the pin's claim when it cannot be read
    title: str
    sha256: str
    document: dict[str, Any] | None = None  # None: the pinned document could not be read
    path: Path | None = None
    problem: str | None = None  # None: the pin is right

    @property
    def label(self) -> str:
        """The old side of the report's file name."""
        return self.version if self.document is not None else f"{self.version}-unread"


def baseline(pin: SpecPin) -> Baseline:
    """The pinned document as far as it can be trusted (never raises: update-spec is how a pin is fixed)."""
    try:
        path, data = pin.read_matching()
        info = document_info(data, path)
    except SpecPinError as error:
        return Baseline(pin.version, pin.title, pin.sha256, problem=str(error).splitlines()[0].rstrip("."))
    version, title = str(info["version"]), str(info.get("title", pin.title))
    problem = None
    if (version, title) != (pin.version, pin.title):
        problem = (
            f"{pin.pin_name} says {pin.title} version {pin.version}, but its document ({path}, sha256 "
            f"verified) is {title} version {version}"
        )
    return Baseline(version, title, pin.sha256, json.loads(data), path, problem)


def check_document(
    pin: SpecPin,
    base: Baseline,
    path: Path,
    data: bytes,
    *,
    allow_downgrade: bool = False,
    allow_same_version: bool = False,
) -> dict[str, Any]:
    """The new document, parsed, if it can replace ``base`` (``pin``'s); else UpdateError saying why."""
    info = document_info(data, path)
    document: dict[str, Any] = json.loads(data)
    if not str(document.get("openapi", "")).startswith("3.") or not isinstance(document.get("paths"), dict):
        raise UpdateError(f"{path} is not an OpenAPI 3 document (no `openapi: 3.x` or no `paths`)")
    version = str(info["version"])
    if version.split(".")[0] != pin.api.removeprefix("v"):
        others = [api for api in api_versions() if api.removeprefix("v") == version.split(".")[0]]
        hint = f" Use API={others[0]}." if others else ""
        raise UpdateError(f"{path} is version {version}, not a {pin.api} document.{hint}")
    if info.get("title") != base.title:
        raise UpdateError(f"{path} is {info.get('title')!r}, not {base.title!r}: another API's document?")
    new_key, old_key = _version_key(version), _version_key(base.version)
    if new_key is None:
        raise UpdateError(f"info.version {version!r} is not a dotted version number like 3.1.4")
    unread = "" if base.document is not None else f" (not verified: {base.problem})"
    if version == base.version and not allow_same_version:
        sha = hashlib.sha256(data).hexdigest()
        cause = "AVIV changed the document without giving it a new version"
        if base.document is None:
            cause += f", or {pin.pin_name}'s sha256 is wrong"
        compare_hint = (
            f"See what changed: `python -m scripts.spec_diff {base.path} {path}`.\n" if base.path else ""
        )
        raise UpdateError(
            f"{path} has info.version {version}, the pinned version{unread}, but other content "
            f"(sha256 {sha[:12]}…, pinned {base.sha256[:12]}…): {cause}.\n{compare_hint}"
            f"fix: to adopt it anyway, `{pin.update_command(path, same_version=True)}` "
            "(--allow-same-version); its report and code diff are saved under the document's own short "
            "sha256, beside the earlier ones."
        )
    if old_key is not None and new_key < old_key and not allow_downgrade:
        raise UpdateError(
            f"{path} is version {version}, older than the pinned {base.version}{unread}.\n"
            f"fix: to go back on purpose, `{pin.update_command(path)} ALLOW_DOWNGRADE=1` (--allow-downgrade)"
        )
    return document


def unread_report(pin: SpecPin, base: Baseline, new: dict[str, Any], new_source: str) -> str:
    """The report when the pinned document cannot be read: what is known, and that nothing was compared."""
    version = new["info"]["version"]
    return (
        f"# API changes: {base.title} ({pin.api}) {base.version} (unread) -> {version}\n\n"
        "**The pinned document could not be read: there is no API change report.** Review the code "
        "diff of the generated package instead, or compare the documents yourself with "
        "`python -m scripts.spec_diff OLD.json NEW.json`.\n\n"
        f"- before: {pin.pin_name} pinned version {base.version}, sha256 {base.sha256[:12]}… — "
        f"unreadable: {base.problem}\n"
        f"- after: version {version}, {new_source}\n"
    )


def change_report(
    pin: SpecPin, base: Baseline, new: dict[str, Any], new_source: str
) -> tuple[str, int | None]:
    """The API change report from ``base`` to ``new``, and its count of (potentially) breaking changes.

    The count is None when the pinned document could not be read: the report then says so.
    """
    if base.document is None:
        return unread_report(pin, base, new, new_source), None
    changes = compare(base.document, new)
    said = f" ({pin.pin_name} said version {pin.version})" if base.version != pin.version else ""
    report = render(
        changes,
        base.document,
        new,
        old_source=f"sha256 {base.sha256[:12]}…, {_shown(base.path) if base.path else '?'}{said}",
        new_source=new_source,
        api=pin.api,
    )
    return report, sum(c.level in (BREAKING, POTENTIALLY) for c in changes)


@dataclass(frozen=True)
class CodeDiff:
    """How the generated package changed: files added, removed, changed, and lines."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    plus: int
    minus: int
    text: str

    def summary(self) -> str:
        """One paragraph: counts, then the files added and removed."""
        lines = [
            f"generated code: {len(self.added)} file(s) added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed (+{self.plus} -{self.minus} lines)"
        ]
        lines += [f"  + {name}" for name in self.added[:20]]
        lines += [f"  - {name}" for name in self.removed[:20]]
        lines += [f"  ~ {name}" for name in self.changed[:10]]
        if len(self.changed) > 10:
            lines.append(f"  ~ ... and {len(self.changed) - 10} more changed")
        return "\n".join(lines)


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.name != "openapi.json"
    }


def code_diff(before: Path, after: Path) -> CodeDiff:
    """The unified diff of two generated packages (their Python sources; the embedded spec left out)."""
    old, new = _files(before), _files(after)
    chunks, plus, minus, changed = [], 0, 0, []
    for name in sorted(old.keys() | new.keys()):
        a = old[name].read_text(encoding="utf-8").splitlines(keepends=True) if name in old else []
        b = new[name].read_text(encoding="utf-8").splitlines(keepends=True) if name in new else []
        if a == b:
            continue
        if name in old and name in new:
            changed.append(name)
        diff = list(
            difflib.unified_diff(a, b, f"a/{name}" if a else "/dev/null", f"b/{name}" if b else "/dev/null")
        )
        plus += sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
        minus += sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
        chunks.append("".join(diff))
    return CodeDiff(
        tuple(sorted(new.keys() - old.keys())),
        tuple(sorted(old.keys() - new.keys())),
        tuple(changed),
        plus,
        minus,
        "".join(chunks),
    )


def adopt(paths: ApiPaths, prepared: dict[str, Any], new_pin: SpecPin) -> bool:
    """Generate from ``prepared`` beside the current package, swap it in and re-pin.

    Returns whether there was a package to keep as the previous one. On any failure nothing
    changes: the staging folder goes, and a package already swapped in is swapped back.
    """
    tools = check_tool_versions()
    work = paths.build_dir / "update"
    had_package = paths.generated_package.is_dir()
    try:
        shutil.rmtree(work, ignore_errors=True)
        staged = work / "prepared.json"
        write_if_changed(staged, serialize(prepared))
        fresh = build_package(staged, paths, work / "generate", paths.templates_dir)
        swap_in(fresh, paths.generated_package, paths.previous_package)
        try:
            new_pin.write()
        except BaseException:
            shutil.rmtree(paths.generated_package, ignore_errors=True)
            if had_package:
                shutil.move(paths.previous_package, paths.generated_package)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # The prepared spec and the generation stamp now describe the new package.
    write_if_changed(paths.prepared_spec, serialize(prepared))
    digest = input_digest(paths.prepared_spec, tools, paths.generator_config, paths.templates_dir)
    write_if_changed(paths.build_dir / "generate.stamp", (digest + "\n").encode())
    return had_package


def readable_pins(apis: Iterable[str]) -> Iterator[SpecPin]:
    """The pins of ``apis`` that can be read (a broken one is reported where it is used)."""
    for api in apis:
        with contextlib.suppress(SpecPinError):
            yield SpecPin.load(api)


def refresh_other_versions(api: str) -> list[str]:
    """Bring the other versions' packages up to date (as `make install` would); notes on those that fail."""
    notes = []
    for other in api_versions():
        if other == api:
            continue
        try:
            generate(api=other, if_changed=True)
        except (SpecPinError, OverlayError, GenerationError) as error:
            notes.append(
                f"{other} could not be generated ({str(error).splitlines()[0]}). It did not stop this "
                f"update; fix it before `make test`: `make spec API={other}` says how."
            )
    return notes


def rewrite_docs(api: str, prepared: dict[str, Any], document: dict[str, Any]) -> str:
    """Rewrite the docs' generated blocks (operations, migration report) for the new spec; say what."""
    if not (REPO_ROOT / "docs").is_dir():
        return ""
    if str(GENERATED_ROOT) not in sys.path:  # without `make install`'s editable install
        sys.path.insert(0, str(GENERATED_ROOT))
        importlib.invalidate_caches()
    try:
        try:
            changed = update_docs(documents={api: prepared}, published={api: document})
        except SpecPinError as error:  # another version's document is not at hand: its pin check says why
            update_docs(documents={api: prepared}, migration=False)
            return (
                f"note: the docs' operations list was rewritten, but not their migration report: {error}\n"
                "Run `python -m scripts.readme` once every pinned document can be read."
            )
    except (ReadmeError, OSError, ImportError) as error:
        return (
            f"note: the docs' generated blocks were not rewritten ({error}); run "
            "`python -m scripts.readme` once every version is generated (`make install`)."
        )
    if not changed:
        return ""
    pages = ", ".join(_shown(page) for page in changed)
    return f"the docs' generated blocks (operations, migration report) rewritten: {pages}"


def draft_changelog(api: str, base: Baseline, new_pin: SpecPin, document: dict[str, Any]) -> str:
    """Add CHANGELOG.md's entry for the adopted document, drafted from the change report; say what."""
    path = REPO_ROOT / "CHANGELOG.md"
    if not path.is_file():
        return ""
    changes = compare(base.document, document) if base.document is not None else None
    try:
        added = changelog.add_spec_entry(api, base.version, new_pin.version, new_pin.sha256, changes, path)
    except changelog.ChangelogError as error:
        return f"note: no CHANGELOG.md entry drafted: {error}"
    return "CHANGELOG.md: entry drafted under [Unreleased] (edit it before the release)" if added else ""


def repin_only(pin: SpecPin, new_path: Path, new_data: bytes, usual_dir: str) -> int:
    """``new_path`` is the pinned document: correct the pin's location, version or title if needed."""
    new_pin = pin.repinned(new_path, new_data)
    corrected = [
        f"{key} {getattr(pin, key)} -> {getattr(new_pin, key)}"
        for key in ("title", "version", "default_path")
        if getattr(pin, key) != getattr(new_pin, key)
    ]
    if corrected:
        new_pin.write()
        print(
            f"update-spec: {_shown(new_path)} is the pinned document (sha256 verified); "
            f"{pin.pin_name} corrected: {'; '.join(corrected)}."
        )
    else:
        print(
            f"update-spec: {_shown(new_path)} is already the pinned {pin.title} {pin.version}: nothing to do"
        )
    warning = new_pin.portability_warning(usual_dir)
    if warning:
        print(f"update-spec: WARNING: {warning}")
    if corrected:
        print(f"Next: run `make test`, then commit {pin.pin_name}.")
    return 0


def update_spec(
    new_path: Path,
    *,
    api: str = DEFAULT_API,
    allow_downgrade: bool = False,
    allow_same_version: bool = False,
) -> int:
    """Adopt ``new_path`` for ``api`` (see the module docstring); return the exit status."""
    paths = ApiPaths(api)
    pin = SpecPin.load(api)
    new_path = Path(os.path.abspath(new_path.expanduser()))
    if not new_path.is_file():
        raise UpdateError(f"the new document {new_path} does not exist")
    new_data = new_path.read_bytes()
    usual_dir = usual_document_dir([pin, *readable_pins(api_versions())])
    if hashlib.sha256(new_data).hexdigest() == pin.sha256:
        return repin_only(pin, new_path, new_data, usual_dir)

    base = baseline(pin)
    new_document = check_document(
        pin, base, new_path, new_data, allow_downgrade=allow_downgrade, allow_same_version=allow_same_version
    )
    new_pin = pin.repinned(new_path, new_data)

    # 1. The overlay must still apply (every problem is listed at once).
    prepared = json.loads(new_data)
    patch_document(prepared, api)

    # 2. The API change report, printed (saved once the document is adopted).
    report, risky = change_report(
        pin, base, new_document, f"sha256 {new_pin.sha256[:12]}…, {_shown(new_path)}"
    )
    warnings = []
    if base.document is None:
        warnings.append(
            f"the pinned document could not be read, so there is NO API change report for this update "
            f"(review the code diff instead): {base.problem}."
        )
    elif base.problem:
        warnings.append(f"{base.problem}: the report compares against that document.")
    print(report)

    # 3-4. Regenerate beside the current package (brought up to date first when the pin is right,
    # so that the code diff shows only the new document's changes), swap it in, re-pin.
    if base.problem is None:
        generate(api=api, if_changed=True)
    had_package = adopt(paths, prepared, new_pin)

    # 5. Reports, the other versions, the docs, the changelog, the code diff.
    stem = f"{base.label}-to-{new_pin.version}-{new_pin.sha256[:8]}"
    report_file = paths.build_dir / f"api-changes-{stem}.md"
    write_if_changed(report_file, report.encode())
    print(f"update-spec: report saved as {_shown(report_file)}")
    notes = refresh_other_versions(api)
    docs, entry = rewrite_docs(api, prepared, new_document), draft_changelog(api, base, new_pin, new_document)
    for said in (docs, entry):
        if said:
            print(f"update-spec: {said}")
    if had_package:
        diff = code_diff(paths.previous_package, paths.generated_package)
        diff_file = paths.build_dir / f"generated-{stem}.diff"
        write_if_changed(diff_file, diff.text.encode())
        print(diff.summary())
        print(
            f"update-spec: full code diff in {_shown(diff_file)} "
            f"(or: git diff --no-index {_shown(paths.previous_package)} {_shown(paths.generated_package)})"
        )
    else:
        print(f"update-spec: no code diff: there was no {_shown(paths.generated_package)} before this update")
    location = new_pin.portability_warning(usual_dir)
    if location:
        warnings.append(location)
    review = (
        "review the code diff (there is no API change report)"
        if risky is None
        else f"review the {risky} breaking or potentially breaking change(s) above and the code diff"
    )
    print(
        f"update-spec: {pin.pin_name} now pins {new_pin.title} {new_pin.version} "
        f"(sha256 {new_pin.sha256}, default_path {new_pin.default_path})."
    )
    for warning in warnings:
        print(f"update-spec: WARNING: {warning}")
    for note in notes:
        print(f"update-spec: note: {note}")
    print(
        f"Next: {review}, run `make test`, then commit {pin.pin_name}, docs/ and CHANGELOG.md (and any "
        "overlay change) — never the document nor generated/."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("new", type=Path, help="AVIV's new OpenAPI document (JSON)")
    parser.add_argument("--api", default=DEFAULT_API, choices=api_versions())
    parser.add_argument(
        "--allow-downgrade", action="store_true", help="accept a version older than the pinned one"
    )
    parser.add_argument(
        "--allow-same-version",
        action="store_true",
        help="accept a document with the pinned info.version but other content (AVIV changed it silently)",
    )
    args = parser.parse_args(argv)
    try:
        return update_spec(
            args.new,
            api=args.api,
            allow_downgrade=args.allow_downgrade,
            allow_same_version=args.allow_same_version,
        )
    except (UpdateError, SpecPinError, OverlayError, GenerationError) as error:
        print(f"error: {error}\nupdate-spec: nothing was re-pinned or regenerated.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
