"""Adopt a new version of AVIV's document for one API version, in one command.

    make update-spec CAAS_SPEC=/path/to/new.json [API=v3]
    python -m scripts.update_spec [--api v3] [--allow-downgrade] NEW_DOCUMENT

1. checks the new document: JSON, OpenAPI 3, an ``info.version`` of the same major version as
   the API (``3.x.y`` for v3), not older than the pinned one, and the overlay still applies
   (every problem listed);
2. prints the API change report between the pinned document and the new one, and saves it as
   ``build/<api>/api-changes-<old>-to-<new>.md``;
3. regenerates the client from the new document; the package it replaces is kept in
   ``build/<api>/previous/<package>``, the code diff saved as
   ``build/<api>/generated-<old>-to-<new>.diff`` and summarised;
4. re-pins ``openapi/<api>/pin.toml``: version (from ``info.version``), sha256 and default
   location, so plain ``make install``, ``make test`` and CI use the new document.

Nothing is re-pinned or replaced unless every step before succeeded.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.generate import GenerationError, build_package, check_tool_versions, input_digest, swap_in
from scripts.overlay import OverlayError
from scripts.paths import DEFAULT_API, REPO_ROOT, ApiPaths, api_versions
from scripts.pin import SpecPin, SpecPinError, document_info
from scripts.prepare_spec import patch_document, serialize, write_if_changed
from scripts.readme import update_readme
from scripts.spec_diff import BREAKING, POTENTIALLY, compare, render


class UpdateError(Exception):
    """The new document cannot be adopted (the message says why and what to do)."""


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError as error:
        raise UpdateError(f"info.version {version!r} is not a dotted version number like 3.1.4") from error


def check_document(pin: SpecPin, path: Path, data: bytes, *, allow_downgrade: bool) -> dict[str, Any]:
    """The new document, parsed, if it can replace ``pin``'s; else UpdateError saying why."""
    info = document_info(data, path)
    document: dict[str, Any] = json.loads(data)
    if not str(document.get("openapi", "")).startswith("3.") or not isinstance(document.get("paths"), dict):
        raise UpdateError(f"{path} is not an OpenAPI 3 document (no `openapi: 3.x` or no `paths`)")
    version = str(info["version"])
    if version.split(".")[0] != pin.api.removeprefix("v"):
        others = [api for api in api_versions() if api.removeprefix("v") == version.split(".")[0]]
        hint = f" Use API={others[0]}." if others else ""
        raise UpdateError(f"{path} is version {version}, not a {pin.api} document.{hint}")
    if _version_key(version) < _version_key(pin.version) and not allow_downgrade:
        raise UpdateError(
            f"{path} is version {version}, older than the pinned {pin.version}; "
            "pass --allow-downgrade to go back on purpose"
        )
    if info.get("title") != pin.title:
        raise UpdateError(f"{path} is {info.get('title')!r}, not {pin.title!r}: another API's document?")
    return document


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


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def update_spec(new_path: Path, *, api: str = DEFAULT_API, allow_downgrade: bool = False) -> int:
    """Adopt ``new_path`` for ``api`` (see the module docstring); return the exit status."""
    paths = ApiPaths(api)
    pin = SpecPin.load(api)
    try:
        old_path, old_data = pin.read_verified()
    except SpecPinError as error:
        raise UpdateError(
            f"the pinned document is needed to report what changed, and it cannot be read:\n{error}"
        ) from error
    new_path = new_path.expanduser().resolve()
    if not new_path.is_file():
        raise UpdateError(f"the new document {new_path} does not exist")
    new_data = new_path.read_bytes()
    if hashlib.sha256(new_data).hexdigest() == pin.sha256:
        if new_path != old_path:
            pin.repinned(new_path, new_data).write()
            print(
                f"update-spec: {new_path} is the pinned {pin.title} {pin.version}; default location updated"
            )
        else:
            print(f"update-spec: {new_path} is already the pinned {pin.title} {pin.version}: nothing to do")
        return 0
    new_document = check_document(pin, new_path, new_data, allow_downgrade=allow_downgrade)
    old_document = json.loads(old_data)
    new_pin = pin.repinned(new_path, new_data)

    # 1. The overlay must still apply (every problem is listed at once).
    prepared = json.loads(new_data)
    patch_document(prepared, api)

    # 2. The API change report, printed and saved.
    changes = compare(old_document, new_document)
    report = render(
        changes,
        old_document,
        new_document,
        old_source=f"sha256 {pin.sha256[:12]}…, {_shown(old_path)}",
        new_source=f"sha256 {new_pin.sha256[:12]}…, {_shown(new_path)}",
        api=api,
    )
    stem = f"{pin.version}-to-{new_pin.version}"
    report_file = paths.build_dir / f"api-changes-{stem}.md"
    write_if_changed(report_file, report.encode())
    print(report)
    print(f"update-spec: report saved as {_shown(report_file)}")

    # 3. Regenerate beside the current package, then swap it in, keeping the previous one.
    tools = check_tool_versions()
    work = paths.build_dir / "update"
    shutil.rmtree(work, ignore_errors=True)
    staged = work / "prepared.json"
    write_if_changed(staged, serialize(prepared))
    fresh = build_package(staged, paths, work / "generate", paths.templates_dir)
    swap_in(fresh, paths.generated_package, paths.previous_package)

    # 4. Re-pin; the prepared spec and the generation stamp now describe the new package.
    new_pin.write()
    write_if_changed(paths.prepared_spec, serialize(prepared))
    digest = input_digest(paths.prepared_spec, tools, paths.generator_config, paths.templates_dir)
    write_if_changed(paths.build_dir / "generate.stamp", (digest + "\n").encode())
    shutil.rmtree(work, ignore_errors=True)

    readme = REPO_ROOT / "README.md"
    if readme.is_file():
        try:
            if update_readme(readme, {api: prepared}, {api: new_document}):
                print("update-spec: README.md's generated blocks (operations, migration report) rewritten")
        except SpecPinError as error:  # another version's document is not at hand: its pin check says why
            update_readme(readme, {api: prepared}, migration=False)
            print(
                "update-spec: warning: README.md's operations list rewritten, but not its migration "
                f"report: {error}\nRun `python -m scripts.readme` once every pinned document can be read."
            )

    diff = code_diff(paths.previous_package, paths.generated_package)
    diff_file = paths.build_dir / f"generated-{stem}.diff"
    write_if_changed(diff_file, diff.text.encode())
    print(diff.summary())
    print(
        f"update-spec: full code diff in {_shown(diff_file)} "
        f"(or: git diff --no-index {_shown(paths.previous_package)} {_shown(paths.generated_package)})"
    )
    risky = sum(c.level in (BREAKING, POTENTIALLY) for c in changes)
    print(
        f"update-spec: {_shown(pin.pin_file)} now pins {new_pin.title} {new_pin.version} "
        f"(sha256 {new_pin.sha256}, default_path {new_pin.default_path}).\n"
        f"Next: review the {risky} breaking or potentially breaking change(s) above and the code diff, "
        f"run `make test`, then commit {_shown(pin.pin_file)} and README.md (and any overlay change) — never "
        "the document nor generated/."
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
    args = parser.parse_args(argv)
    try:
        return update_spec(args.new, api=args.api, allow_downgrade=args.allow_downgrade)
    except (UpdateError, SpecPinError, OverlayError, GenerationError) as error:
        print(f"error: {error}\nupdate-spec: nothing was re-pinned or regenerated.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
