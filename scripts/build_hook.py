"""Hatch build hook: never build a package without its generated clients.

``generated/aviv_caas_client`` (v3) and ``generated/aviv_caas_client_v4`` (v4) are build output
(git-ignored; AVIV's documents are not in the repository): one package per ``openapi/<api>/``,
named by its ``generator.yaml``. When a build starts from a tree that has them (``make dist``, an
sdist), they are packaged as they are. When one is missing (a fresh clone, ``pip install
git+...``), the hook generates them with ``python -m scripts.generate`` (the pinned generator is
then added to the build requirements), reading AVIV's documents from ``CAAS_SPEC`` (v3) and
``CAAS_SPEC_V4``; if that fails, the build fails with a message that says what to do, rather
than producing a wheel without a client.
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
# generator.yaml's package name; read without a YAML parser (the hook runs before any dependency).
PACKAGE_NAME = re.compile(r"^package_name_override:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)


class BuildError(RuntimeError):
    """The generated client is missing and could not be generated."""


def generated_packages(root: Path) -> list[Path]:
    """``generated/<package>`` of every API version pinned under ``root/openapi/<api>/``."""
    packages = []
    for config in sorted((root / "openapi").glob("v*/generator.yaml")):
        match = PACKAGE_NAME.search(config.read_text(encoding="utf-8"))
        if match is None:
            raise BuildError(f"{config} must set package_name_override")
        packages.append(Path("generated") / match.group(1))
    return packages


def generated_present(root: Path) -> bool:
    """Whether ``root`` holds every generated client (each package and the prepared spec it ships)."""
    return all(
        (root / package / "__init__.py").is_file() and (root / package / "openapi.json").is_file()
        for package in generated_packages(root)
    )


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
    missing = ", ".join(
        p.as_posix() for p in generated_packages(root) if not (root / p / "openapi.json").is_file()
    )
    raise BuildError(
        f"aviv-caas: cannot build: {missing} missing and could not be generated.\n"
        f"  {why}\n"
        "The clients are generated from AVIV's OpenAPI documents, which are not in the repository: set "
        "CAAS_SPEC=/path/to/aviv-classified-api-3.<x>.json and CAAS_SPEC_V4=/path/to/"
        "aviv-classified-api-4.<x>.json (versions and sha256 in openapi/<api>/pin.toml) and build "
        "again, run `make dist` in a clone, or install a wheel built by `make dist`."
    )


class GeneratedClientHook(BuildHookInterface):  # type: ignore[type-arg]
    """Package the generated client; generate it first when the tree has none."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        """The generation tools, only when there is something to generate."""
        root = Path(self.root)
        return [] if generated_present(root) else generation_requirements(root)

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Make sure every ``generated/<package>`` exists before files are collected.

        Not for an editable install: it reads the packages in place from ``generated/``
        (``dev-mode-dirs``), where ``make install`` generates them, one version (``API=v4``) or
        every one, so it needs no document of a version it was not asked for.
        """
        if version == "editable":
            return
        ensure_generated(Path(self.root))
