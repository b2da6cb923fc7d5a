"""`make update-spec`, end to end, on AVIV's next minor version (synthetic, built from the pinned one).

The pipeline runs in a temporary copy of the repository's pipeline (scripts/, openapi/,
pyproject.toml and the generated package), so the real checkout's pin is never touched. One run
is shared by the tests below: the change report, the re-pin, the regenerated code (and the
previous package kept beside it), its typing, and the local sandbox serving the new operation
with an answer the new client parses.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_python_client.strings import PythonIdentifier

from scripts.paths import GENERATED_ROOT, REPO_ROOT, ApiPaths
from scripts.pin import SpecPin
from tests.spec.conftest import API_VERSIONS, PIN, PYTHON, pin_of, raw_spec
from tests.spec.synthetic_update import SyntheticUpdate, synthetic_update

PIPELINE = ("scripts", "openapi", "pyproject.toml", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache")


@dataclass(frozen=True)
class UpdateRun:
    """One `update_spec` run in a copy of the repository."""

    root: Path
    update: SyntheticUpdate
    new_spec: Path
    result: subprocess.CompletedProcess[str]
    api: str = "v3"

    @property
    def package(self) -> Path:
        return self.root / "generated" / ApiPaths(self.api).package_name

    @property
    def build(self) -> Path:
        return self.root / "build" / self.api

    @property
    def pin(self) -> SpecPin:
        return pin_of(self.api)

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """A command in the copy, with its freshly generated package first on the import path."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CAAS_SPEC")}
        environ["PYTHONPATH"] = str(self.root / "generated")
        return subprocess.run(
            args, cwd=self.root, capture_output=True, text=True, env={**environ, **(env or {})}, check=False
        )


def copy_pipeline(root: Path) -> None:
    """What `make update-spec` reads and writes, copied from this checkout."""
    for name in PIPELINE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=IGNORED)
        else:
            shutil.copy2(source, root / name)
    for api in API_VERSIONS:  # every version's package (the README lists them all)
        package = ApiPaths(api).package_name
        shutil.copytree(GENERATED_ROOT / package, root / "generated" / package, ignore=IGNORED)


@pytest.fixture(scope="module", params=API_VERSIONS)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> UpdateRun:
    """`update_spec --api <api>` on that version's synthetic next document, in a copy of the pipeline."""
    api = str(request.param)
    tmp = tmp_path_factory.mktemp(f"spec-update-{api}")
    root = tmp / "repo"
    copy_pipeline(root)
    update = synthetic_update(raw_spec(api), ApiPaths(api).package_name)
    new_spec = tmp / "specs" / f"aviv-classified-api-v{update.new_version}.json"
    new_spec.parent.mkdir()
    new_spec.write_text(json.dumps(update.document, indent=1), encoding="utf-8")
    run = UpdateRun(root, update, new_spec, subprocess.CompletedProcess([], 0), api)
    # Every version's pinned document where the real checkout finds it (the README's migration report
    # reads both); the copy has no ../shared beside it.
    pinned = {pin_of(each).env_var: str(pin_of(each).location()[0]) for each in API_VERSIONS}
    command = [PYTHON, "-m", "scripts.update_spec", "--api", api, str(new_spec)]
    result = run.run(*command, env=pinned)
    return UpdateRun(root, update, new_spec, result, api)


def test_update_spec_succeeds_and_leaves_the_real_pin_alone(updated: UpdateRun) -> None:
    real_pin = (REPO_ROOT / "openapi" / updated.api / "pin.toml").read_text(encoding="utf-8")
    assert updated.result.returncode == 0, updated.result.stderr
    assert tomllib.loads(real_pin)["spec"]["version"] == updated.pin.version


def test_the_report_names_both_versions_and_every_change(updated: UpdateRun) -> None:
    update, out = updated.update, updated.result.stdout
    assert f"{update.old_version} -> {update.new_version}" in out
    assert f"version {update.old_version}" in out
    assert f"version {update.new_version}" in out
    assert f"GET {update.path} ({update.operation_id})" in out
    assert "endpoint-added" in out
    assert f'value "{update.portal_code}" added' in out
    assert f"{update.added_property}: property added (boolean, optional" in out
    assert f"{update.removed_property}: optional property removed" in out
    saved = updated.build / f"api-changes-{update.old_version}-to-{update.new_version}.md"
    assert saved.read_text(encoding="utf-8") in out


def test_the_report_classifies_each_change_for_a_client(updated: UpdateRun) -> None:
    lines = updated.result.stdout.splitlines()

    def line(*words: str) -> str:
        (found,) = [entry for entry in lines if all(word in entry for word in words)]
        return found

    assert line("endpoint-added").startswith("- **non-breaking**")
    assert line(updated.update.added_property).startswith(
        "- **non-breaking** `new-optional-request-property`"
    )
    assert line(updated.update.removed_property).startswith(
        "- **potentially breaking** `request-property-removed`"
    )
    # A new value is safe to send, but a reader of responses may meet it: potentially breaking there.
    assert line("ClassifiedStatus.portals[]").startswith("- **potentially breaking** `response-property-enum")
    assert line("query parameter `portal`").startswith(
        "- **non-breaking** `request-property-enum-value-added`"
    )
    assert "0 breaking" in updated.result.stdout


def test_the_pin_names_the_new_document(updated: UpdateRun) -> None:
    pin_file = updated.root / "openapi" / updated.api / "pin.toml"
    spec = tomllib.loads(pin_file.read_text(encoding="utf-8"))["spec"]
    assert spec["version"] == updated.update.new_version
    assert spec["sha256"] == hashlib.sha256(updated.new_spec.read_bytes()).hexdigest()
    assert (updated.root / spec["default_path"]).resolve() == updated.new_spec.resolve()
    assert not Path(spec["default_path"]).is_absolute()  # beside the repository: relative, as for CI
    assert f"# The upstream {updated.api} document" in pin_file.read_text(encoding="utf-8")


def test_plain_spec_and_generate_use_the_new_pin(updated: UpdateRun) -> None:
    """Without CAAS_SPEC, the default location is the new document; generation is up to date."""
    prepared = updated.run(PYTHON, "-m", "scripts.prepare_spec", "--api", updated.api)
    assert prepared.returncode == 0, prepared.stderr
    assert f"{updated.update.new_version} (sha256 verified)" in prepared.stdout
    assert "spec: unchanged" in prepared.stdout
    generated = updated.run(PYTHON, "-m", "scripts.generate", "--api", updated.api, "--if-changed")
    assert generated.returncode == 0, generated.stderr
    assert "up to date" in generated.stdout


def test_the_new_code_is_generated_and_the_previous_kept(updated: UpdateRun) -> None:
    update = updated.update
    module = updated.root / "generated" / Path(*update.module.split("."))
    assert module.with_suffix(".py").is_file()
    previous = updated.build / "previous" / updated.package.name
    assert (previous / "client.py").is_file()
    assert not (previous / Path(*update.module.split(".")[1:])).with_suffix(".py").exists()
    parent, member = update.removed_property.rsplit(".", 1)
    parent_model = PythonIdentifier(
        parent.replace(".", "_"), "field"
    )  # RealEstate.features -> real_estate_features
    attribute = f"    {PythonIdentifier(member, 'field')}: "
    assert attribute in (previous / "models" / f"{parent_model}.py").read_text(encoding="utf-8")
    assert attribute not in (updated.package / "models" / f"{parent_model}.py").read_text(encoding="utf-8")
    portals = (updated.package / "models" / "aviv_classified_portals_item.py").read_text(encoding="utf-8")
    assert f'"{update.portal_code}"' in portals
    diff = updated.build / f"generated-{update.old_version}-to-{update.new_version}.diff"
    assert f"+++ b/api/{update.tag.lower()}/" in diff.read_text(encoding="utf-8")
    assert "generated code: " in updated.result.stdout
    embedded = json.loads((updated.package / "openapi.json").read_text(encoding="utf-8"))
    assert embedded["info"]["version"] == update.new_version


def test_the_new_endpoint_type_checks(updated: UpdateRun) -> None:
    response_model = updated.update.response_class
    user = updated.root / "uses_new_endpoint.py"
    package = updated.update.package
    user.write_text(
        f"from aviv_caas_auth import unwrap\n"
        f"from {package} import AuthenticatedClient\n"
        f"from {updated.update.module.rsplit('.', 1)[0]} import {updated.update.module.rsplit('.', 1)[1]}\n"
        f"from {package}.models import {response_model}\n\n\n"
        f"def codes(client: AuthenticatedClient) -> list[str]:\n"
        f"    page: {response_model} = unwrap({updated.update.module.rsplit('.', 1)[1]}.sync_detailed(client=client))\n"
        f"    return [item.code for item in page.items]\n",
        encoding="utf-8",
    )
    endpoint = updated.root / "generated" / Path(*updated.update.module.split("."))
    result = updated.run(
        PYTHON,
        "-m",
        "mypy",
        "--strict",
        user.name,
        str(endpoint.with_suffix(".py")),
        env={"MYPYPATH": str(updated.root / "generated")},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_local_sandbox_serves_the_new_operation(updated: UpdateRun) -> None:
    result = updated.run(PYTHON, "-m", "tests.spec.call_in_sandbox", updated.update.module)
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    assert 200 <= answer["status"] < 300
    assert answer["spec_version"] == updated.update.new_version
    assert answer["parsed_type"].endswith(f".{updated.update.response_class}")
    assert answer["parsed"] == answer["body"]
    assert answer["body"]["items"]
    assert answer["internal_errors"] == []
    (warning,) = [
        w for w in answer["warnings"] if f"of the {updated.api} spec {updated.update.new_version}" in w
    ]
    assert f"{updated.update.operation_id} (GET {updated.update.path})" in warning


# --- What update-spec and the pin check refuse ----------------------------------------------------


@pytest.fixture
def pipeline_copy(tmp_path: Path) -> UpdateRun:
    root = tmp_path / "repo"
    copy_pipeline(root)
    update = synthetic_update(raw_spec())
    return UpdateRun(root, update, tmp_path / "new.json", subprocess.CompletedProcess([], 0))


def refused(run: UpdateRun, document: dict[str, Any], *args: str) -> str:
    """Run update_spec on ``document``; assert it failed without writing anything; return stderr."""
    run.new_spec.write_text(json.dumps(document), encoding="utf-8")
    pin_before = (run.root / "openapi" / "v3" / "pin.toml").read_bytes()
    package_before = sorted(p.name for p in run.package.iterdir())
    result = run.run(
        PYTHON,
        "-m",
        "scripts.update_spec",
        *args,
        str(run.new_spec),
        env={"CAAS_SPEC": str(PIN.location()[0])},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was re-pinned or regenerated" in result.stderr
    assert (run.root / "openapi" / "v3" / "pin.toml").read_bytes() == pin_before
    assert sorted(p.name for p in run.package.iterdir()) == package_before
    assert not (run.build / "previous").exists()
    return result.stderr


def test_a_document_of_another_major_version_is_refused(pipeline_copy: UpdateRun) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    document["info"]["version"] = "4.0.2"
    assert "is version 4.0.2, not a v3 document" in refused(pipeline_copy, document)


def test_an_older_document_is_refused_unless_asked(pipeline_copy: UpdateRun) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    major, minor, patch = (int(part) for part in PIN.version.split("."))
    assert minor or patch, "a pinned x.0.0 has no older version of the same major to fake"
    document["info"]["version"] = f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.99"
    assert "older than the pinned" in refused(pipeline_copy, document)


def test_a_document_the_overlay_no_longer_fits_is_refused_listing_every_problem(
    pipeline_copy: UpdateRun,
) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    schemas = document["components"]["schemas"]
    schemas["ProblemDetails"] = schemas.pop("ErrorResponse")  # an upstream rename
    del schemas["PriceCommon"]["additionalProperties"]  # and a fix AVIV made itself
    message = refused(pipeline_copy, document)
    assert "2 problem(s) applying openapi/v3/overlay.yaml" in message
    assert "$.components.schemas.ErrorResponse" in message
    assert "PriceCommon.additionalProperties" in message


def test_a_document_that_is_not_openapi_is_refused(pipeline_copy: UpdateRun) -> None:
    assert "no `info.version`" in refused(pipeline_copy, {"hello": "world"})


def test_a_pin_whose_version_is_not_its_document_s_is_refused(pipeline_copy: UpdateRun) -> None:
    """The pin check compares the pinned version with the document's own info.version."""
    pin_file = pipeline_copy.root / "openapi" / "v3" / "pin.toml"
    pin_file.write_text(
        pin_file.read_text(encoding="utf-8").replace(f'"{PIN.version}"', '"9.9.9"'), encoding="utf-8"
    )
    result = pipeline_copy.run(
        PYTHON, "-m", "scripts.prepare_spec", env={"CAAS_SPEC": str(PIN.location()[0])}
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "pins Aviv Classified API version 9.9.9, but the document it names" in result.stderr
    assert f"is Aviv Classified API version {PIN.version}" in result.stderr
    assert "make update-spec CAAS_SPEC=" in result.stderr
    assert not (pipeline_copy.root / "build").exists()


def test_the_readme_operations_block_follows_the_new_spec(updated: UpdateRun) -> None:
    readme = (updated.root / "README.md").read_text(encoding="utf-8")
    assert f"in the {updated.api} spec {updated.update.new_version}" in readme
    assert f"#### CaaS {updated.api} (spec {updated.update.new_version})" in readme
    section = readme.split(f"#### CaaS {updated.api} (spec {updated.update.new_version})")[1].split("####")[0]
    assert f"`{updated.update.module.split('.', 2)[2]}`" in section
    migration = readme.split("<!-- migration report:")[1].split("<!-- end of migration report -->")[0]
    assert f"v{updated.update.new_version.split('.')[0]} {updated.update.new_version}" in migration
    others = [api for api in API_VERSIONS if api != updated.api]  # the other versions' lists are kept
    for api in others:
        assert f"#### CaaS {api} (spec {pin_of(api).version})" in readme
