"""Where things live in the repository; one place, so scripts and tests agree."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENAPI_DIR = REPO_ROOT / "openapi"
PIN_FILE = OPENAPI_DIR / "pin.toml"
OVERLAY_FILE = OPENAPI_DIR / "overlay.yaml"
GENERATOR_CONFIG = OPENAPI_DIR / "generator.yaml"
TEMPLATES_DIR = OPENAPI_DIR / "templates"
PYPROJECT = REPO_ROOT / "pyproject.toml"
DEFAULT_BUILD_DIR = REPO_ROOT / "build"
GENERATED_PACKAGE = REPO_ROOT / "generated" / "aviv_caas_client"


def prepared_spec_path(build_dir: Path = DEFAULT_BUILD_DIR) -> Path:
    """Path of the patched spec that generation (and the local sandbox) read."""
    return build_dir / "openapi" / "aviv-classified-api.prepared.json"
