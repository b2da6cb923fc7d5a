"""Hatch build hook: never build a package without its generated client.

``generated/aviv_caas_client`` is build output (git-ignored; AVIV's document is not in the
repository). When a build starts from a tree that has it (``make dist``, an sdist), it is packaged
as it is. When it is missing (a fresh clone, ``pip install git+...``), the hook generates it with
``python -m scripts.generate`` (the pinned generator is then added to the build requirements),
reading AVIV's document from ``CAAS_SPEC``; if that fails, the build fails with a message that
says what to do, rather than producing a package without ``aviv_caas_client``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# What `python -m scripts.generate` imports besides the standard library.
GENERATION_TOOLS = ("openapi-python-client", "ruff", "pyyaml", "python-jsonpath", "tomlkit")
GENERATED = Path("generated") / "aviv_caas_client"


class BuildError(RuntimeError):
    """The generated client is missing and could not be generated."""


def generated_present(root: Path) -> bool:
    """Whether ``root`` holds a generated client (its package and the prepared spec it ships)."""
    package = root / GENERATED
    return (package / "__init__.py").is_file() and (package / "openapi.json").is_file()


def generation_requirements(root: Path) -> list[str]:
    """The pinned requirements of the generation tools, from pyproject's dev group."""
    groups = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    wanted = []
    for requirement in groups["dev"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==\S+", requirement.strip())
        if match and match.group(1).lower() in GENERATION_TOOLS:
            wanted.append(requirement.strip())
    return wanted


def ensure_generated(root: Path) -> None:
    """Generate the client into ``root`` if it is missing; BuildError saying what to do if that fails."""
    if generated_present(root):
        return
    result = subprocess.run(
        [sys.executable, "-m", "scripts.generate"], cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode == 0 and generated_present(root):
        return
    output = (result.stderr or result.stdout).strip().splitlines()
    why = "\n  ".join(output[-8:]) or f"exit code {result.returncode}"
    raise BuildError(
        "aviv-caas: cannot build: generated/aviv_caas_client is missing and could not be generated.\n"
        f"  {why}\n"
        "The client is generated from AVIV's OpenAPI document, which is not in the repository: set "
        "CAAS_SPEC=/path/to/aviv-classified-api-<version>.json (version and sha256 in openapi/v3/pin.toml) "
        "and build again, run `make dist` in a clone, or install a wheel built by `make dist`."
    )


class GeneratedClientHook(BuildHookInterface):  # type: ignore[type-arg]
    """Package the generated client; generate it first when the tree has none."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        """The generation tools, only when there is something to generate."""
        root = Path(self.root)
        return [] if generated_present(root) else generation_requirements(root)

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Make sure ``generated/aviv_caas_client`` exists before files are collected."""
        ensure_generated(Path(self.root))
