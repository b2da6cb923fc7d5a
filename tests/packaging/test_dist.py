"""A package apps can depend on: sdist and wheel with both packages, installable in a fresh venv.

Builds use this venv's pinned hatchling (``python -m build --no-isolation``, as ``make dist``
does); the fresh venv gets its dependencies from the configured package index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

from scripts.paths import REPO_ROOT, ApiPaths, api_versions
from scripts.pin import SpecPin
from tests.packaging.conftest import build, fresh_venv, wheel_in

PACKAGES = [ApiPaths(api).package_name for api in api_versions()]  # aviv_caas_client, aviv_caas_client_v4


def spec_locations() -> dict[str, str]:
    """Every version's document location, as the build hook reads it (CAAS_SPEC, CAAS_SPEC_V4)."""
    return {SpecPin.load(api).env_var: str(SpecPin.load(api).location()[0]) for api in api_versions()}


def test_the_wheel_holds_hand_written_and_generated_code(dist: Path) -> None:
    wheel = wheel_in(dist)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA").decode()
    assert {name.split("/")[0] for name in names} == {
        "aviv_caas_auth",
        *PACKAGES,
        f"{wheel.name.split('-py3')[0]}.dist-info",
    }
    for needed in (
        "aviv_caas_auth/workflows/publish.py",
        "aviv_caas_auth/webhooks/wsgi.py",
        "aviv_caas_auth/py.typed",
    ):
        assert needed in names
    for package in PACKAGES:  # both versions' clients, each with its spec and its servers
        for needed in ("api/classifieds/get_classifieds.py", "openapi.json", "servers.py", "py.typed"):
            assert f"{package}/{needed}" in names
    for extra in ("redis", "sandbox", "validation"):
        assert f"Provides-Extra: {extra}" in metadata


def test_the_sdist_can_rebuild_the_wheel_without_the_spec(dist: Path) -> None:
    (sdist,) = dist.glob("aviv_caas-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    root = names[0].split("/")[0]
    for package in PACKAGES:
        assert f"{root}/generated/{package}/openapi.json" in names
    assert f"{root}/scripts/build_hook.py" in names
    assert not [n for n in names if "/tests/" in n or n.endswith(".venv")]


def test_the_wheel_installs_in_a_fresh_venv_and_imports_both_packages(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = fresh_venv(venv, f"{wheel_in(dist)}[validation]")
    probe = (
        "import aviv_caas_client, aviv_caas_client_v4, aviv_caas_auth\n"
        "from aviv_caas_auth.workflows import publish, publish_many, iter_classifieds, wait_for_status\n"
        "from aviv_caas_auth import CaasCredentials, create_client, validate, wsgi_app\n"
        "print(aviv_caas_auth.__file__); print(aviv_caas_client.__file__); print(aviv_caas_client_v4.__file__)\n"
        "print('/portals/1' in [e.name for e in validate({'portals': ['SL', 'XX']})])\n"
        "print([e.name for e in validate({'portals': ['SL', 'LI']}, api='v4') if e.name.startswith('/portals')])\n"
        "client = create_client(CaasCredentials('a', 'b', 'c'), api='v4', environment='sandbox', user_agent='X/1')\n"
        "print(type(client).__module__, client.get_httpx_client().base_url)\n"
    )
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    auth_file, client_file, v4_file, pointers, v4_pointers, v4_client = result.stdout.splitlines()
    assert auth_file.startswith(str(venv))  # the installed copies, not this checkout
    assert client_file.startswith(str(venv))
    assert v4_file.startswith(str(venv))
    assert pointers == "True"  # validation works from the installed spec
    assert v4_pointers == "['/portals/1']"  # v4's own spec (no LI portal)
    assert v4_client == "aviv_caas_client_v4.client https://api.aviv-group.com/sandbox/caas/v4/"


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
    assert not [package for package in PACKAGES if (destination / "generated" / package).exists()]
    return destination


def test_a_tree_that_was_not_generated_fails_clearly_without_the_spec(tmp_path: Path) -> None:
    tree = tracked_tree(tmp_path / "clone")
    env = {**os.environ, "CAAS_SPEC": str(tmp_path / "no-such-spec.json")}
    result = build(tree, tmp_path / "out", "--wheel", env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    missing = ", ".join(f"generated/{package}" for package in PACKAGES)
    assert f"cannot build: {missing} missing and could not be generated" in output
    assert "CAAS_SPEC" in output
    assert "CAAS_SPEC_V4" in output
    assert not list((tmp_path / "out").glob("*.whl"))


def test_a_tree_that_was_not_generated_is_generated_by_the_build(tmp_path: Path) -> None:
    tree = tracked_tree(tmp_path / "clone")
    result = build(tree, tmp_path / "out", "--wheel", env={**os.environ, **spec_locations()})
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for package in PACKAGES:
            assert f"{package}/openapi.json" in archive.namelist()
