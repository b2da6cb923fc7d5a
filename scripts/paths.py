"""Where things live in the repository; one place, so scripts and tests agree.

Each version of AVIV's API has its own folder under ``openapi/`` (``openapi/v3/``) holding:

- ``pin.toml``: which document (version, sha256, default location);
- ``overlay.yaml``: the project's patches to it (OpenAPI Overlay 1.0);
- ``generator.yaml``: openapi-python-client's configuration, whose ``package_name_override``
  names the generated package (``generated/<package>``).

The Jinja templates (``openapi/templates``) are shared by every version. Build output of a
version goes to ``build/<version>/``: the prepared spec, the generation stamp, the previous
generated package (``previous/<package>``) and ``make update-spec``'s reports.

Adding a version is adding its folder; :func:`api_versions` finds it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENAPI_ROOT = REPO_ROOT / "openapi"
TEMPLATES_DIR = OPENAPI_ROOT / "templates"
PYPROJECT = REPO_ROOT / "pyproject.toml"
DEFAULT_BUILD_DIR = REPO_ROOT / "build"
GENERATED_ROOT = REPO_ROOT / "generated"
DEFAULT_API = "v3"
_API_NAME = re.compile(r"v[0-9]+")


def api_versions(openapi_root: Path = OPENAPI_ROOT) -> tuple[str, ...]:
    """The API versions the repository pins (folders ``openapi/v<N>/`` with a ``pin.toml``), oldest first."""
    found = [p.parent.name for p in openapi_root.glob("*/pin.toml") if _API_NAME.fullmatch(p.parent.name)]
    return tuple(sorted(found, key=lambda name: int(name[1:])))


@dataclass(frozen=True)
class ApiPaths:
    """The files of one API version (``api``, e.g. ``"v3"``) and its build output under ``build_root``."""

    api: str
    build_root: Path = DEFAULT_BUILD_DIR

    def __post_init__(self) -> None:
        if not _API_NAME.fullmatch(self.api):
            raise ValueError(f"an API version is written v<N> (e.g. v3), not {self.api!r}")

    @property
    def openapi_dir(self) -> Path:
        """``openapi/<api>/``."""
        return OPENAPI_ROOT / self.api

    @property
    def pin_file(self) -> Path:
        """The pin: which document this version is generated from."""
        return self.openapi_dir / "pin.toml"

    @property
    def overlay_file(self) -> Path:
        """The project's patches to the document."""
        return self.openapi_dir / "overlay.yaml"

    @property
    def generator_config(self) -> Path:
        """openapi-python-client's configuration for this version."""
        return self.openapi_dir / "generator.yaml"

    @property
    def templates_dir(self) -> Path:
        """The shared custom templates."""
        return TEMPLATES_DIR

    @property
    def package_name(self) -> str:
        """The generated package's import name (``package_name_override`` of generator.yaml)."""
        return _package_name(self.generator_config)

    @property
    def generated_package(self) -> Path:
        """Where the generated package lives: ``generated/<package>``."""
        return GENERATED_ROOT / self.package_name

    @property
    def build_dir(self) -> Path:
        """``build/<api>/``: everything the pipeline writes for this version besides the package."""
        return self.build_root / self.api

    @property
    def prepared_spec(self) -> Path:
        """The patched document that generation (and the local sandbox) read."""
        return self.build_dir / "prepared.json"

    @property
    def previous_package(self) -> Path:
        """The generated package as it was before the last regeneration replaced it."""
        return self.build_dir / "previous" / self.package_name


@functools.cache
def _package_name(generator_config: Path) -> str:
    config = yaml.safe_load(generator_config.read_text(encoding="utf-8"))
    name = config.get("package_name_override") if isinstance(config, dict) else None
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"{generator_config} must set package_name_override to the package's import name")
    return name


def prepared_spec_path(build_dir: Path = DEFAULT_BUILD_DIR, api: str = DEFAULT_API) -> Path:
    """Path of the patched spec of ``api`` under the build root ``build_dir``."""
    return ApiPaths(api, build_dir).prepared_spec


# The default version's files, under the names the rest of the repository has always used.
DEFAULT_PATHS = ApiPaths(DEFAULT_API)
PIN_FILE = DEFAULT_PATHS.pin_file
OVERLAY_FILE = DEFAULT_PATHS.overlay_file
GENERATOR_CONFIG = DEFAULT_PATHS.generator_config
GENERATED_PACKAGE = DEFAULT_PATHS.generated_package
