"""Issue point 5: a missing or wrong spec gives one clear error, a non-zero exit, and writes nothing."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from scripts.paths import REPO_ROOT, prepared_spec_path
from scripts.pin import SpecPin, SpecPinError, document_info, relative_to_repo, spec_env_var
from tests.spec.conftest import (
    API_VERSIONS,
    PIN,
    PYTHON,
    for_each_api,
    pin_of,
    prepared_spec,
    run,
    tree_snapshot,
)


def assert_one_clear_error(result: subprocess.CompletedProcess[str], spec: Path, pin: SpecPin = PIN) -> str:
    """The command failed with exactly one error message that says what and how; return it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # make's own trailer (`make: *** [Makefile:NN: spec] Error 2`) only reports the exit status.
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("make: ***")]
    assert sum("error" in line.lower() for line in lines) == 1, result.stderr
    message = result.stderr
    assert str(spec) in message
    assert f"version {pin.version}" in message
    assert pin.sha256 in message
    assert f"{pin.env_var}=" in message  # how to point it elsewhere
    return message


@pytest.fixture
def wrong_spec(tmp_path: Path) -> Path:
    """AVIV's document with one byte more: same content to the eye, another sha256."""
    spec = tmp_path / "aviv-classified-api-v3.1.3.json"
    spec.write_bytes(PIN.read_verified()[1] + b"\n")
    return spec


@for_each_api()
def test_missing_spec(tmp_path: Path, api: str) -> None:
    pin = pin_of(api)
    missing = tmp_path / "nowhere" / "aviv.json"
    build = tmp_path / "build"
    command = [PYTHON, "-m", "scripts.prepare_spec", "--api", api, "--build-dir", str(build)]
    result = run(command, **{pin.env_var: str(missing)})
    message = assert_one_clear_error(result, missing, pin)
    assert "not found" in message
    # or adopt another document: the command that works for this version (placeholder path)
    assert f"`{pin.update_command('/path/to/new.json')}`" in message
    assert result.stdout == ""
    assert not build.exists()


@for_each_api()
def test_wrong_sha256(tmp_path: Path, api: str) -> None:
    pin = pin_of(api)
    wrong = tmp_path / f"aviv-classified-api-v{pin.version}.json"
    wrong.write_bytes(pin.read_verified()[1] + b"\n")
    build = tmp_path / "build"
    command = [PYTHON, "-m", "scripts.prepare_spec", "--api", api, "--build-dir", str(build)]
    result = run(command, **{pin.env_var: str(wrong)})
    message = assert_one_clear_error(result, wrong, pin)
    assert hashlib.sha256(wrong.read_bytes()).hexdigest() in message
    # how to adopt a new version on purpose: the make command that works for this version
    update = "make update-spec CAAS_SPEC=" if api == "v3" else f"make update-spec API={api} CAAS_SPEC="
    assert update in message
    assert f"openapi/{api}/pin.toml" in message
    # It claims the pinned version: update-spec only takes it when told, so the suggestion says so.
    assert f"{update}{wrong} ALLOW_SAME_VERSION=1`" in message
    assert "without bumping its version, or" in message
    assert not build.exists()


@pytest.mark.parametrize("case", ["missing", "wrong"])
def test_generate_writes_nothing_either(tmp_path: Path, wrong_spec: Path, case: str) -> None:
    spec = tmp_path / "missing.json" if case == "missing" else wrong_spec
    build, output = tmp_path / "build", tmp_path / "out" / "aviv_caas_client"
    result = run(
        [PYTHON, "-m", "scripts.generate", "--api", "v3", "--build-dir", str(build), "--output", str(output)],
        CAAS_SPEC=str(spec),
    )
    assert_one_clear_error(result, spec)
    assert not build.exists()
    assert not output.parent.exists()


@for_each_api()
def test_caas_spec_can_point_at_a_copy_elsewhere(tmp_path: Path, api: str) -> None:
    pin = pin_of(api)
    copy = tmp_path / "elsewhere" / "aviv.json"
    copy.parent.mkdir()
    copy.write_bytes(pin.read_verified()[1])
    build = tmp_path / "build"
    command = [PYTHON, "-m", "scripts.prepare_spec", "--api", api, "--build-dir", str(build)]
    result = run(command, **{pin.env_var: str(copy)})
    assert result.returncode == 0, result.stderr
    assert json.loads(prepared_spec_path(build, api).read_text(encoding="utf-8")) == prepared_spec(api)


def test_each_version_reads_its_own_variable(tmp_path: Path) -> None:
    """CAAS_SPEC stays v3's: pointing it elsewhere does not move v4's document, and the reverse."""
    missing = tmp_path / "missing.json"
    v4 = run(
        [PYTHON, "-m", "scripts.prepare_spec", "--api", "v4", "--build-dir", str(tmp_path / "b4")],
        CAAS_SPEC=str(missing),
    )
    assert v4.returncode == 0, v4.stderr
    v3 = run(
        [PYTHON, "-m", "scripts.prepare_spec", "--api", "v3", "--build-dir", str(tmp_path / "b3")],
        CAAS_SPEC_V4=str(missing),
    )
    assert v3.returncode == 0, v3.stderr


def test_make_spec_with_a_missing_spec_fails_before_writing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    build = REPO_ROOT / "build"
    before = tree_snapshot(build)
    result = run(["make", "--no-print-directory", "spec", f"CAAS_SPEC={missing}"])
    message = assert_one_clear_error(result, missing)
    assert "not found" in message
    assert tree_snapshot(build) == before


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ('{"version": 3.2}', "info.version must be a string, got the number 3.2"),
        ('{"version": 3.10}', "info.version must be a string, got the number 3.10"),  # as written
        ('{"version": true}', "info.version must be a string, got true"),
        ('{"version": null}', "info.version must be a string, got null"),
        ('{"title": "x"}', "has no `info.version`: it is not an OpenAPI document"),
    ],
)
def test_info_version_problems_are_named(info: str, expected: str) -> None:
    with pytest.raises(SpecPinError) as raised:
        document_info(f'{{"openapi": "3.0.1", "info": {info}}}'.encode(), Path("doc.json"))
    assert expected in str(raised.value)


def test_a_document_beside_the_checkout_is_pinned_relative_even_through_a_symbolic_link(
    tmp_path: Path,
) -> None:
    """``../shared`` may be a link (a worktree's, a machine's layout): the pin keeps the path as written."""
    checkout, store = tmp_path / "work" / "checkout", tmp_path / "disk" / "store"
    (store / "openapi").mkdir(parents=True)
    checkout.mkdir(parents=True)
    document = store / "openapi" / "aviv.json"
    document.write_text("{}", encoding="utf-8")
    (tmp_path / "work" / "shared").symlink_to(store)
    beside = tmp_path / "work" / "shared" / "openapi" / "aviv.json"
    assert relative_to_repo(beside, checkout) == "../shared/openapi/aviv.json"
    assert relative_to_repo(checkout / ".." / "shared" / "openapi" / "aviv.json", checkout) == (
        "../shared/openapi/aviv.json"
    )
    # Two levels up (here: the link's target itself) is not beside the checkout: absolute.
    assert relative_to_repo(document, checkout) == str(document.resolve())


# --- One variable per version, every problem in one run (issue 19, item 14) ------------------------


def test_each_version_has_one_variable_and_the_readme_names_it(tmp_path: Path) -> None:
    """v3's is CAAS_SPEC, v4's CAAS_SPEC_V4: the only names a message uses, each documented."""
    readme = "".join(
        (REPO_ROOT / page).read_text(encoding="utf-8") for page in ("README.md", "docs/getting-started.md")
    )
    for api in API_VERSIONS:
        pin = pin_of(api)
        assert f"`{pin.env_var}`" in readme
        missing = tmp_path / api / "missing.json"
        command = [PYTHON, "-m", "scripts.prepare_spec", "--api", api, "--build-dir", str(tmp_path / "b")]
        message = run(command, **{pin.env_var: str(missing)}).stderr
        named = set(re.findall(r"CAAS_SPEC\w*", message))
        assert named <= {spec_env_var(each) for each in API_VERSIONS}, message
        _, origin = pin.location({})  # unset: the default location, and why
        assert set(re.findall(r"CAAS_SPEC\w*", origin)) == {pin.env_var}, origin


def test_caas_spec_v3_is_refused_naming_caas_spec(tmp_path: Path) -> None:
    """A name the README never gives is not silently read (nor silently ignored): one error, the fix."""
    command = [PYTHON, "-m", "scripts.prepare_spec", "--api", "v3", "--build-dir", str(tmp_path / "b")]
    result = run(command, CAAS_SPEC_V3=str(PIN.location()[0]))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "CAAS_SPEC_V3 is set, but v3's document is named by CAAS_SPEC" in result.stderr
    assert f"`make install CAAS_SPEC={PIN.location()[0]}`" in result.stderr
    assert not (tmp_path / "b").exists()


def test_a_document_of_the_other_version_is_named_so(tmp_path: Path) -> None:
    """`CAAS_SPEC=<v4's document>`: said to be v4's, with the variable and the command that take it."""
    v4 = pin_of("v4")
    command = [PYTHON, "-m", "scripts.prepare_spec", "--api", "v3", "--build-dir", str(tmp_path / "b")]
    result = run(command, CAAS_SPEC=str(v4.location()[0]))
    assert result.returncode == 2
    message = result.stderr
    assert f"is version {v4.version}: a v4 document, not v3's" in message
    assert f"`make install CAAS_SPEC_V4={v4.location()[0]}`" in message
    assert "it is v4's pinned document" in message
    assert "ALLOW_SAME_VERSION" not in message  # the advice that then failed
    assert not (tmp_path / "b").exists()


def test_every_missing_document_is_reported_in_one_run(tmp_path: Path) -> None:
    env = {pin_of(api).env_var: str(tmp_path / f"missing-{api}.json") for api in API_VERSIONS}
    for script in ("scripts.prepare_spec", "scripts.generate"):
        result = run([PYTHON, "-m", script, "--build-dir", str(tmp_path / "b")], **env)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        for api in API_VERSIONS:
            assert (
                f"{tmp_path / f'missing-{api}.json'} (location from {pin_of(api).env_var})" in result.stderr
            )
        assert result.stderr.count("error: ") == len(API_VERSIONS)
    assert not (tmp_path / "b").exists()
