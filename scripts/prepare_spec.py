"""Check the pinned spec of an API version and write the patched copy that generation reads.

    python -m scripts.prepare_spec [--api v3] [--build-dir DIR]

Exits non-zero, before writing anything, when the document is missing or is not the pinned
one, or when the overlay no longer fits it (every problem is listed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from scripts.overlay import AppliedAction, OverlayError, apply_overlay
from scripts.paths import DEFAULT_API, DEFAULT_BUILD_DIR, REPO_ROOT, ApiPaths, api_versions
from scripts.pin import SpecPin, SpecPinError


def patch_document(document: dict[str, Any], api: str = DEFAULT_API) -> list[AppliedAction]:
    """Apply ``api``'s overlay to ``document`` in place; return what each action did."""
    overlay_file = ApiPaths(api).overlay_file
    overlay = yaml.safe_load(overlay_file.read_text(encoding="utf-8"))
    return apply_overlay(document, overlay, source=overlay_file.relative_to(REPO_ROOT).as_posix())


def prepared_document(api: str = DEFAULT_API) -> tuple[dict[str, Any], list[AppliedAction]]:
    """Return ``api``'s pinned document with its overlay applied, and what each action did."""
    _, raw = SpecPin.load(api).read_verified()
    document: dict[str, Any] = json.loads(raw)
    return document, patch_document(document, api)


def serialize(document: dict[str, Any]) -> bytes:
    """The prepared document's bytes, as written to the build folder and the generated package."""
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomically write ``content`` to ``path`` unless it already holds it; return whether it wrote."""
    if path.is_file() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def describe(document: dict[str, Any], applied: list[AppliedAction]) -> str:
    """What ``make spec`` prints: the document and the overlay's actions with their match counts."""
    info = document["info"]
    lines = [f"spec: {info['title']} {info['version']} (sha256 verified), {len(applied)} overlay actions:"]
    lines += [f"  {action.kind:6} x{action.matches:<3} {action.target}" for action in applied]
    return "\n".join(lines)


def prepare(build_dir: Path = DEFAULT_BUILD_DIR, *, api: str = DEFAULT_API, verbose: bool = True) -> Path:
    """Verify ``api``'s pin, apply its overlay and write the prepared spec; return its path."""
    document, applied = prepared_document(api)
    target = ApiPaths(api, build_dir).prepared_spec
    wrote = write_if_changed(target, serialize(document))
    if verbose:
        print(describe(document, applied))
        print(f"spec: {'wrote' if wrote else 'unchanged'} {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", choices=api_versions(), help="one API version (default: every one)")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    args = parser.parse_args(argv)
    failed = []
    for api in [args.api] if args.api else api_versions():  # one run lists every version's problem
        try:
            prepare(args.build_dir, api=api)
        except (SpecPinError, OverlayError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(api)
    return 2 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
