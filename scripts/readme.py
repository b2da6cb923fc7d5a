"""README's list of operations, generated from the spec: ``python -m scripts.readme [--check]``.

The block between the markers below is rewritten from the prepared spec the generated package
ships (``aviv_caas_client/openapi.json``): one row per operation, with the generated module to
import. ``--check`` fails (exit 1) instead of writing when the block is out of date; any step of
the spec pipeline can call :func:`update_readme` after regenerating.
"""

from __future__ import annotations

import argparse
import importlib.resources
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openapi_python_client.strings import snake_case

from scripts.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
START = "<!-- operations: generated from the spec by `python -m scripts.readme`; do not edit by hand -->"
END = "<!-- end of operations -->"
METHODS = ("get", "post", "put", "patch", "delete")


class ReadmeError(Exception):
    """The README has no operations block, or the spec names a module that was not generated."""


def load_spec(package: str = "aviv_caas_client") -> dict[str, Any]:
    """The prepared spec shipped inside the generated ``package``."""
    text = (importlib.resources.files(package) / "openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def operations_table(document: Mapping[str, Any], package: str = "aviv_caas_client") -> str:
    """The Markdown table of every operation: module, method and path, summary."""
    rows = []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = snake_case((operation.get("tags") or ["default"])[0])
            module = f"{package}.api.{tag}.{snake_case(operation['operationId'])}"
            if importlib.util.find_spec(module) is None:
                raise ReadmeError(f"the spec's {operation['operationId']} has no generated module {module}")
            summary = " ".join(str(operation.get("summary", "")).split()).rstrip(".")
            rows.append(
                f"| `{module.removeprefix(package + '.api.')}` | `{method.upper()} {path}` | {summary} |"
            )
    version = document.get("info", {}).get("version", "?")
    header = [
        f"{len(rows)} operations in AVIV's spec {version}; each module has `sync`, `sync_detailed`, "
        "`asyncio` and `asyncio_detailed`:",
        "",
        f"| `{package}.api.` | operation | |",
        "| --- | --- | --- |",
    ]
    return "\n".join(header + rows)


def render(readme: str, document: Mapping[str, Any]) -> str:
    """``readme`` with its operations block rewritten from ``document``."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ReadmeError(f"README.md has no operations block ({START} ... {END})")
    return readme[: start + len(START)] + "\n" + operations_table(document) + "\n" + readme[end:]


def update_readme(
    readme: Path = README, document: Mapping[str, Any] | None = None, *, check: bool = False
) -> bool:
    """Rewrite the block (or, with ``check``, only compare); True when it was out of date."""
    text = readme.read_text(encoding="utf-8")
    wanted = render(text, load_spec() if document is None else document)
    if wanted == text:
        return False
    if not check:
        readme.write_text(wanted, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m scripts.readme", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if the block is out of date; write nothing"
    )
    args = parser.parse_args(argv)
    try:
        stale = update_readme(check=args.check)
    except ReadmeError as error:
        print(f"readme: {error}", file=sys.stderr)
        return 2
    if stale and args.check:
        print(
            "readme: README.md's operations block is out of date: run `python -m scripts.readme`",
            file=sys.stderr,
        )
        return 1
    print("readme: README.md's operations block " + ("rewritten" if stale else "is up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
