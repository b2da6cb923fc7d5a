"""Check the pinned spec and write the patched copy that generation reads.

    python -m scripts.prepare_spec [--build-dir DIR]

Exits non-zero, before writing anything, when the document is missing or is not the pinned
one, or when an overlay action no longer matches it.
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
from scripts.paths import DEFAULT_BUILD_DIR, OVERLAY_FILE, prepared_spec_path
from scripts.pin import SpecPin, SpecPinError


def prepared_document(overlay_file: Path = OVERLAY_FILE) -> tuple[dict[str, Any], list[AppliedAction]]:
    """Return the pinned document with the overlay applied, and what each action did."""
    pin = SpecPin.load()
    _, raw = pin.read_verified()
    document: dict[str, Any] = json.loads(raw)
    overlay = yaml.safe_load(overlay_file.read_text(encoding="utf-8"))
    applied = apply_overlay(document, overlay)
    return document, applied


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


def prepare(build_dir: Path = DEFAULT_BUILD_DIR, *, verbose: bool = True) -> Path:
    """Verify the pin, apply the overlay and write the prepared spec; return its path."""
    document, applied = prepared_document()
    content = (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()
    target = prepared_spec_path(build_dir)
    wrote = write_if_changed(target, content)
    if verbose:
        info = document["info"]
        print(f"spec: {info['title']} {info['version']} (sha256 verified), {len(applied)} overlay actions:")
        for action in applied:
            print(f"  {action.kind:6} x{action.matches:<3} {action.target}")
        print(f"spec: {'wrote' if wrote else 'unchanged'} {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    args = parser.parse_args(argv)
    try:
        prepare(args.build_dir)
    except (SpecPinError, OverlayError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
