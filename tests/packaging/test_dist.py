"""A package apps can depend on: sdist and wheel with both packages, installable in a fresh venv.

Builds use this venv's pinned hatchling (``python -m build --no-isolation``, as ``make dist``
does); the fresh venv gets its dependencies from the configured package index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from scripts.paths import REPO_ROOT
from scripts.pin import SpecPin

BUILD = [sys.executable, "-m", "build", "--no-isolation"]


def build(
    source: Path, out: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BUILD, *args, "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = build(REPO_ROOT, out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_wheel_holds_hand_written_and_generated_code(dist: Path) -> None:
    (wheel,) = dist.glob("aviv_caas-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA").decode()
    assert {name.split("/")[0] for name in names} == {
        "aviv_caas_auth",
        "aviv_caas_client",
        f"{wheel.name.split('-py3')[0]}.dist-info",
    }
    for needed in (
        "aviv_caas_auth/workflows/publish.py",
        "aviv_caas_auth/webhooks/wsgi.py",
        "aviv_caas_auth/py.typed",
        "aviv_caas_client/api/classifieds/get_classifieds.py",
        "aviv_caas_client/openapi.json",
        "aviv_caas_client/py.typed",
    ):
        assert needed in names
    for extra in ("redis", "sandbox", "validation"):
        assert f"Provides-Extra: {extra}" in metadata


def test_the_sdist_can_rebuild_the_wheel_without_the_spec(dist: Path) -> None:
    (sdist,) = dist.glob("aviv_caas-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    root = names[0].split("/")[0]
    assert f"{root}/generated/aviv_caas_client/openapi.json" in names
    assert f"{root}/scripts/build_hook.py" in names
    assert not [n for n in names if "/tests/" in n or n.endswith(".venv")]


def test_the_wheel_installs_in_a_fresh_venv_and_imports_both_packages(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("aviv_caas-*-py3-none-any.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{wheel}[validation]",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    probe = (
        "import aviv_caas_client, aviv_caas_auth\n"
        "from aviv_caas_auth.workflows import publish, publish_many, iter_classifieds, wait_for_status\n"
        "from aviv_caas_auth import validate, wsgi_app\n"
        "print(aviv_caas_auth.__file__); print(aviv_caas_client.__file__)\n"
        "print('/portals/1' in [e.name for e in validate({'portals': ['SL', 'XX']})])\n"
    )
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    auth_file, client_file, pointers = result.stdout.splitlines()
    assert auth_file.startswith(str(venv))  # the installed copies, not this checkout
    assert client_file.startswith(str(venv))
    assert pointers == "True"  # validation works from the installed spec


def tracked_tree(destination: Path) -> Path:
    """The tracked files of this repository (what a fresh clone has: no generated client)."""
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert not (destination / "generated" / "aviv_caas_client").exists()
    return destination


def test_a_tree_that_was_not_generated_fails_clearly_without_the_spec(tmp_path: Path) -> None:
    tree = tracked_tree(tmp_path / "clone")
    env = {**os.environ, "CAAS_SPEC": str(tmp_path / "no-such-spec.json")}
    result = build(tree, tmp_path / "out", "--wheel", env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "cannot build: generated/aviv_caas_client is missing and could not be generated" in output
    assert "CAAS_SPEC" in output
    assert not list((tmp_path / "out").glob("*.whl"))


def test_a_tree_that_was_not_generated_is_generated_by_the_build(tmp_path: Path) -> None:
    tree = tracked_tree(tmp_path / "clone")
    spec_path, _ = SpecPin.load().location()
    result = build(tree, tmp_path / "out", "--wheel", env={**os.environ, "CAAS_SPEC": str(spec_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "aviv_caas_client/openapi.json" in archive.namelist()
