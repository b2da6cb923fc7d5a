"""One wheel per session (built from this checkout, as ``make dist`` does), and fresh venvs installing it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.paths import REPO_ROOT

BUILD = [sys.executable, "-m", "build", "--no-isolation"]


def build(
    source: Path, out: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m build`` with this venv's pinned hatchling; the sdist and wheel land in ``out``."""
    return subprocess.run(
        [*BUILD, *args, "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel of this checkout, built once for the session."""
    out = tmp_path_factory.mktemp("dist")
    result = build(REPO_ROOT, out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def wheel_in(dist: Path) -> Path:
    """The wheel among ``dist``'s files."""
    (wheel,) = dist.glob("aviv_caas-*-py3-none-any.whl")
    return wheel


def fresh_venv(where: Path, *requirements: str) -> Path:
    """A new venv at ``where`` with ``requirements`` installed from the configured index; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python
