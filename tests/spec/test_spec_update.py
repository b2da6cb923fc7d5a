"""`make update-spec`, end to end, on AVIV's next minor version (synthetic, built from the pinned one).

The pipeline runs in a temporary copy of the repository's pipeline (scripts/, openapi/, the
Makefile, pyproject.toml, the generated packages and their generation stamps, the venv linked),
with AVIV's documents beside it where the pins say (``../shared/openapi/``, or wherever this
checkout's pins keep them), so the real checkout's pin is never touched. One run per API version is
shared by the first tests: the change report, the re-pin, the regenerated code (and the previous
package kept beside it), its typing, the local sandbox serving the new operations with answers the
new client parses, and the suite's own version-relation tests still green (issue 22: the update
adds paths to one version only). Then what update-spec refuses (writing nothing), how it repairs a
wrong pin, and pinned documents kept outside ``../shared/openapi/``.

Nothing here depends on where the user keeps the pinned documents: the new document is written to
a folder of its own, never to one the copy's pins use.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_python_client.strings import ClassName, PythonIdentifier

from scripts.paths import DEFAULT_BUILD_DIR, REPO_ROOT, ApiPaths
from scripts.pin import SpecPin, usual_document_dir
from tests.spec.conftest import API_VERSIONS, PIN, PYTHON, clean_env, pin_of, raw_spec, tree_digest
from tests.spec.synthetic_update import SyntheticUpdate, synthetic_update

PIPELINE = ("scripts", "openapi", "pyproject.toml", "docs", "CHANGELOG.md", "Makefile")
NEW_DOCUMENTS = "next-aviv-documents"  # beside the copy; no pin's folder (see new_document_folder)
BUILT = ("generate.stamp", "prepared.json")  # what tells `generate --if-changed` a package is up to date
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
        environ = {k: v for k, v in clean_env().items() if not k.startswith("CAAS_SPEC")}
        environ["PYTHONPATH"] = str(self.root / "generated")
        return subprocess.run(
            args, cwd=self.root, capture_output=True, text=True, env={**environ, **(env or {})}, check=False
        )

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`make ARGS` in the copy (its venv is this checkout's, already installed: never remade)."""
        return self.run("make", "--no-print-directory", "-o", ".venv/.deps-installed", *args)

    def pinned_document(self, api: str = "v3") -> Path:
        """Where the copy's pin of ``api`` finds its document (beside the copy, as written)."""
        return Path(os.path.abspath(self.root / pin_of(api).default_path))

    def pin_text(self, api: str = "v3") -> str:
        return (self.root / "openapi" / api / "pin.toml").read_text(encoding="utf-8")

    def edit_pin(self, api: str, old: str, new: str) -> None:
        """Break the copy's pin of ``api``: replace ``old`` (which must be there) by ``new``."""
        text = self.pin_text(api)
        assert old in text
        (self.root / "openapi" / api / "pin.toml").write_text(text.replace(old, new), encoding="utf-8")


def copy_pipeline(root: Path) -> None:
    """What `make update-spec` reads and writes, copied from this checkout; AVIV's documents beside it."""
    for name in PIPELINE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=IGNORED)
        else:
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    for api in API_VERSIONS:  # every version's package (the docs list them all), up to date
        paths = ApiPaths(api, DEFAULT_BUILD_DIR)
        shutil.copytree(paths.generated_package, root / "generated" / paths.package_name, ignore=IGNORED)
        (root / "build" / api).mkdir(parents=True)
        for name in BUILT:
            shutil.copy2(paths.build_dir / name, root / "build" / api / name)
        pin = pin_of(api)  # the document where the pin expects it, as on a developer's machine and in CI
        if not Path(pin.default_path).is_absolute():
            beside = root / pin.default_path
            beside.parent.mkdir(parents=True, exist_ok=True)
            if not beside.exists():
                beside.symlink_to(pin.location()[0])


def new_document_folder(root: Path) -> Path:
    """A folder beside the copy ``root`` for a new document, which none of the copy's pins uses.

    Whatever folder this checkout's pins name (``../shared/openapi``, ``../specs``...), the new
    document never lands in it, so creating it cannot collide with the pinned documents' links.
    """
    used = {(root / pin_of(api).default_path).parent.resolve() for api in API_VERSIONS}
    folder = root.parent / NEW_DOCUMENTS
    while folder.resolve() in used:
        folder = folder.with_name(folder.name + "-new")
    folder.mkdir(exist_ok=True)
    return folder


def usual_dir() -> str:
    """Where the pinned documents live beside the checkout (what update-spec's location warnings name)."""
    return usual_document_dir([pin_of(api) for api in API_VERSIONS])


@pytest.fixture(scope="module", params=API_VERSIONS)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> UpdateRun:
    """`update_spec --api <api>` on that version's synthetic next document, in a copy of the pipeline."""
    api = str(request.param)
    tmp = tmp_path_factory.mktemp(f"spec-update-{api}")
    root = tmp / "repo"
    copy_pipeline(root)
    update = synthetic_update(raw_spec(api), ApiPaths(api).package_name)
    new_spec = new_document_folder(root) / f"aviv-classified-api-v{update.new_version}.json"
    new_spec.write_text(json.dumps(update.document, indent=1), encoding="utf-8")
    run = UpdateRun(root, update, new_spec, subprocess.CompletedProcess([], 0), api)
    # Every version's pinned document where the real checkout finds it (the docs' migration report
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
    assert f"GET {update.history_path} ({update.history_operation_id})" in out
    assert "endpoint-added" in out
    assert f'value "{update.portal_code}" added' in out
    assert f"{update.added_property}: property added (boolean, optional" in out
    assert f"{update.removed_property}: optional property removed" in out
    sha = hashlib.sha256(updated.new_spec.read_bytes()).hexdigest()[:8]
    saved = updated.build / f"api-changes-{update.old_version}-to-{update.new_version}-{sha}.md"
    assert saved.read_text(encoding="utf-8") in out


def test_the_report_classifies_each_change_for_a_client(updated: UpdateRun) -> None:
    lines = updated.result.stdout.splitlines()

    def line(*words: str) -> str:
        (found,) = [entry for entry in lines if all(word in entry for word in words)]
        return found

    for path in (updated.update.path, updated.update.history_path):
        assert line("endpoint-added", f"GET {path} (").startswith("- **non-breaking**")
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
    # The new document's folder is not where the other documents are: CI will look for it there, and
    # is told so (a document outside the pinned documents' folder, wherever that is).
    folder = Path(spec["default_path"]).parent.as_posix()
    assert f"WARNING: the document is in {folder}/, not in {usual_dir()}/" in updated.result.stdout
    assert "WARNING: the pinned document could not be read" not in updated.result.stdout


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
    sha = hashlib.sha256(updated.new_spec.read_bytes()).hexdigest()[:8]
    diff = updated.build / f"generated-{update.old_version}-to-{update.new_version}-{sha}.diff"
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


def test_the_local_sandbox_serves_the_operation_under_an_existing_resource(updated: UpdateRun) -> None:
    """``GET /classifieds/{classifiedId}/history``: a path parameter, served from the spec alone."""
    update = updated.update
    result = updated.run(PYTHON, "-m", "tests.spec.call_in_sandbox", update.history_module, str(uuid.uuid4()))
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    assert answer["status"] == 200
    assert answer["parsed_type"].endswith(
        f".{ClassName(f'{update.history_operation_id}Response200', 'field')}"
    )
    assert answer["body"]["items"]
    assert answer["internal_errors"] == []
    assert any(f"{update.history_operation_id} (GET {update.history_path})" in w for w in answer["warnings"])


# Tests of the suite that relate the versions or read the documents: they must hold after an update
# that adds paths to one version only (issue 22: they asserted facts of 3.1.3 and 4.0.2).
RELATION_TESTS = (
    "tests/spec/test_versions.py",
    "tests/spec/test_endpoints.py",
    "tests/spec/test_prepared_spec.py",
)


def test_the_suite_s_version_relations_hold_after_the_update(updated: UpdateRun) -> None:
    """The suite's own version tests, run in the copy on its updated documents: a rule, not a fact."""
    shutil.copytree(REPO_ROOT / "tests", updated.root / "tests", ignore=IGNORED, dirs_exist_ok=True)
    result = updated.run(
        PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-x", *RELATION_TESTS
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


# --- What update-spec and the pin check refuse ----------------------------------------------------


@pytest.fixture
def pipeline_copy(tmp_path: Path) -> UpdateRun:
    root = tmp_path / "repo"
    copy_pipeline(root)
    update = synthetic_update(raw_spec())
    return UpdateRun(root, update, tmp_path / "new.json", subprocess.CompletedProcess([], 0))


def refused(run: UpdateRun, document: dict[str, Any] | str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run update_spec on ``document``; assert it failed without writing anything; return the result."""
    text = document if isinstance(document, str) else json.dumps(document)
    run.new_spec.write_text(text, encoding="utf-8")
    pin_before = run.pin_text()
    package_before, build_before = tree_digest(run.package), tree_digest(run.build)
    result = run.run(PYTHON, "-m", "scripts.update_spec", *args, str(run.new_spec))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was re-pinned or regenerated" in result.stderr
    assert run.pin_text() == pin_before
    assert tree_digest(run.package) == package_before
    # no staging folder, previous package, report or diff for a document that was not adopted
    assert tree_digest(run.build) == build_before
    assert sorted(p.name for p in run.build.iterdir()) == sorted(BUILT)
    return result


def test_a_document_of_another_major_version_is_refused(pipeline_copy: UpdateRun) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    document["info"]["version"] = "4.0.2"
    assert "is version 4.0.2, not a v3 document" in refused(pipeline_copy, document).stderr


def test_an_older_document_is_refused_unless_asked(pipeline_copy: UpdateRun) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    major, minor, patch = (int(part) for part in PIN.version.split("."))
    assert minor or patch, "a pinned x.0.0 has no older version of the same major to fake"
    document["info"]["version"] = f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.99"
    message = refused(pipeline_copy, document).stderr
    assert "older than the pinned" in message
    assert "ALLOW_DOWNGRADE=1" in message


def test_a_document_the_overlay_no_longer_fits_is_refused_listing_every_problem(
    pipeline_copy: UpdateRun,
) -> None:
    document = copy.deepcopy(pipeline_copy.update.document)
    schemas = document["components"]["schemas"]
    schemas["ProblemDetails"] = schemas.pop("ErrorResponse")  # an upstream rename
    del schemas["PriceCommon"]["additionalProperties"]  # and a fix AVIV made itself
    message = refused(pipeline_copy, document).stderr
    assert "2 problem(s) applying openapi/v3/overlay.yaml" in message
    assert "$.components.schemas.ErrorResponse" in message
    assert "PriceCommon.additionalProperties" in message


def test_a_document_that_is_not_openapi_is_refused(pipeline_copy: UpdateRun) -> None:
    assert "no `info.version`" in refused(pipeline_copy, {"hello": "world"}).stderr


def test_a_version_written_as_a_number_is_named_so(pipeline_copy: UpdateRun) -> None:
    """`"version": 3.10` in JSON is a number: said as written, not "not an OpenAPI document"."""
    document = copy.deepcopy(pipeline_copy.update.document)
    document["info"]["version"] = "@VERSION@"
    text = json.dumps(document).replace('"@VERSION@"', "3.10")
    message = refused(pipeline_copy, text).stderr
    assert "info.version must be a string, got the number 3.10" in message
    assert '"version": "3.10"' in message  # how to write it
    assert "not an OpenAPI document" not in message


def test_the_pinned_version_with_other_content_is_refused_unless_asked(pipeline_copy: UpdateRun) -> None:
    """AVIV changed a document without bumping its version: refused, with how to compare and adopt it."""
    document = copy.deepcopy(pipeline_copy.update.document)
    document["info"]["version"] = PIN.version
    message = refused(pipeline_copy, document).stderr
    assert f"has info.version {PIN.version}, the pinned version, but other content" in message
    assert "AVIV changed the document without giving it a new version" in message
    assert (
        f"python -m scripts.spec_diff {pipeline_copy.pinned_document()} {pipeline_copy.new_spec}" in message
    )
    assert f"make update-spec CAAS_SPEC={pipeline_copy.new_spec} ALLOW_SAME_VERSION=1" in message


def test_a_generator_failure_leaves_nothing_behind(pipeline_copy: UpdateRun) -> None:
    """The report is printed, then the generator fails: no report, staging folder or package change."""
    document = copy.deepcopy(pipeline_copy.update.document)
    features = document["components"]["schemas"]["RealEstate"]["properties"]["features"]["properties"]
    features["oddity"] = {"type": "string", "enum": [1, "a", None]}  # the overlay passes, the generator fails
    result = refused(pipeline_copy, document)
    assert "openapi-python-client failed" in result.stderr
    assert "RealEstate.features.oddity" in result.stdout  # the report was shown, not saved


def test_a_pin_whose_version_is_not_its_document_s_is_refused_and_its_fix_works(
    pipeline_copy: UpdateRun,
) -> None:
    """The pin check compares the pinned version with the document's own info.version; the command
    its message suggests corrects the pin (same document: nothing to regenerate)."""
    original = pipeline_copy.pin_text()
    pipeline_copy.edit_pin("v3", f'"{PIN.version}"', '"9.9.9"')
    result = pipeline_copy.make("spec", "API=v3")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "pins Aviv Classified API version 9.9.9, but the document it names" in result.stderr
    assert f"is Aviv Classified API version {PIN.version}" in result.stderr
    fixed = run_suggested_update(pipeline_copy, result.stderr)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "corrected: version 9.9.9 -> " + PIN.version in fixed.stdout
    assert pipeline_copy.pin_text() == original
    assert pipeline_copy.make("spec", "API=v3").returncode == 0


def test_a_broken_pin_file_is_named_with_how_to_restore_it(pipeline_copy: UpdateRun) -> None:
    pipeline_copy.edit_pin("v3", "[spec]", "[spec")
    result = pipeline_copy.run(PYTHON, "-m", "scripts.prepare_spec", "--api", "v3")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "openapi/v3/pin.toml cannot be read" in result.stderr
    assert "git checkout -- openapi/v3/pin.toml" in result.stderr


def test_a_document_outside_the_checkout_is_pinned_with_a_warning(
    pipeline_copy: UpdateRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An absolute default_path works here only: update-spec says so, and how to make it portable."""
    original = pipeline_copy.pin_text()
    elsewhere = tmp_path_factory.mktemp("downloads") / Path(PIN.default_path).name
    shutil.copyfile(PIN.location()[0], elsewhere)
    result = pipeline_copy.run(PYTHON, "-m", "scripts.update_spec", str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(pipeline_copy.pin_text())["spec"]["default_path"] == str(elsewhere)
    assert f"absolute path {elsewhere}: CI and other machines will not find it" in result.stdout
    assert "or set CAAS_SPEC to the document's location in CI" in result.stdout
    beside = f"{usual_dir()}/{elsewhere.name}"  # where this checkout's pinned documents are
    assert f"`make update-spec CAAS_SPEC={beside}` (it only moves the pin)" in result.stdout
    placed = pipeline_copy.root / beside
    if not placed.exists():  # the advice's first step: the document beside the checkout
        placed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(elsewhere, placed)
    moved = pipeline_copy.make("update-spec", f"CAAS_SPEC={beside}")
    assert moved.returncode == 0, moved.stderr
    assert "WARNING" not in moved.stdout
    before = tomllib.loads(original)["spec"]
    assert tomllib.loads(pipeline_copy.pin_text())["spec"] == {**before, "default_path": beside}
    if before["default_path"] == beside:  # the usual pin: back to the very same text
        assert pipeline_copy.pin_text() == original


def run_suggested_update(run: UpdateRun, message: str) -> subprocess.CompletedProcess[str]:
    """Run the `make update-spec ...` command that ``message`` suggests."""
    (command,) = set(re.findall(r"`(make update-spec [^`]*)`", message))
    words = shlex.split(command)
    assert words[:2] == ["make", "update-spec"]
    return run.make(*words[1:])


def with_wrong_pins(tmp_path: Path, api: str, own: str, other: str) -> UpdateRun:
    """A copy whose pin of ``api`` is wrong in the way ``own`` names, the other version's as ``other`` names;
    the synthetic next version of ``api`` written beside it."""
    root = tmp_path / "repo"
    copy_pipeline(root)
    update = synthetic_update(raw_spec(api), ApiPaths(api).package_name)
    run = UpdateRun(
        root, update, new_document_folder(root) / f"next-{api}.json", subprocess.CompletedProcess([], 0), api
    )
    run.new_spec.write_text(json.dumps(update.document), encoding="utf-8")
    for version, wrong in ((api, own), (next(a for a in API_VERSIONS if a != api), other)):
        pin = pin_of(version)
        if wrong == "sha256":  # the document at its place is the real one; the pinned sha256 is not
            run.edit_pin(version, pin.sha256, pin.sha256[::-1])
        elif wrong == "version":  # the reviewer's `version = "9.9.9"`
            run.edit_pin(version, f'version = "{pin.version}"', 'version = "9.9.9"')
        else:  # the pin names a document nobody has
            run.edit_pin(version, pin.default_path, "../nowhere/aviv.json")
    return run


def test_a_wrong_sha256_is_repaired_by_the_command_the_pin_check_suggests(tmp_path: Path) -> None:
    """Defect: make spec/install suggest `make update-spec`, which must then work although the pinned
    document does not match, and although the other version's pin is wrong too."""
    run = with_wrong_pins(tmp_path, "v3", "sha256", "version")
    other_before = run.pin_text("v4")
    refusal = run.make("spec", "API=v3")
    assert refusal.returncode == 2
    result = run_suggested_update(run, refusal.stderr)  # the same document, ALLOW_SAME_VERSION=1
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "WARNING: the pinned document could not be read, so there is NO API change report" in out
    assert "is not the pinned one: its sha256 is" in out
    assert "note: v4 could not be generated" in out  # said, but it did not block
    assert run.pin_text("v4") == other_before
    # the pin is the real one again; the code is what it was
    assert run.pin_text("v3") == (REPO_ROOT / "openapi" / "v3" / "pin.toml").read_text(encoding="utf-8")
    stem = f"{PIN.version}-unread-to-{PIN.version}-{PIN.sha256[:8]}"
    report = (run.build / f"api-changes-{stem}.md").read_text(encoding="utf-8")
    assert "The pinned document could not be read: there is no API change report" in report
    assert (run.build / f"generated-{stem}.diff").read_text(encoding="utf-8") == ""
    assert "0 file(s) added, 0 removed, 0 changed" in out
    assert not (run.build / "update").exists()
    assert run.make("spec", "API=v3").returncode == 0


def test_a_wrong_version_does_not_stop_an_update_nor_does_the_other_version_s_missing_document(
    tmp_path: Path,
) -> None:
    """`version = "9.9.9"` in v4's pin and v3's document missing: `make update-spec API=v4` adopts v4's
    next version, its report compares against the pinned (sha256-verified) document and says so."""
    run = with_wrong_pins(tmp_path, "v4", "version", "document missing")
    other_before = run.pin_text("v3")
    update, pin = run.update, pin_of("v4")
    result = run.make("update-spec", "API=v4", f"CAAS_SPEC={run.new_spec}")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"{update.old_version} -> {update.new_version}" in out
    assert f"GET {update.path} ({update.operation_id})" in out
    assert "(openapi/v4/pin.toml said version 9.9.9)" in out
    assert f"WARNING: openapi/v4/pin.toml says {pin.title} version 9.9.9, but its document" in out
    assert f"is {pin.title} version {pin.version}: the report compares against that document" in out
    assert "note: v3 could not be generated (AVIV's OpenAPI document was not found" in out
    assert run.pin_text("v3") == other_before
    spec = tomllib.loads(run.pin_text("v4"))["spec"]
    assert spec["version"] == update.new_version
    stem = f"{update.old_version}-to-{update.new_version}-{spec['sha256'][:8]}"
    assert "endpoint-added" in (run.build / f"api-changes-{stem}.md").read_text(encoding="utf-8")
    diff = (run.build / f"generated-{stem}.diff").read_text(encoding="utf-8")
    assert f"+++ b/api/{update.tag.lower()}/" in diff
    assert run.make("spec", "API=v4").returncode == 0


def test_the_docs_generated_blocks_follow_the_new_spec(updated: UpdateRun) -> None:
    operations = (updated.root / "docs" / "reference" / "operations.md").read_text(encoding="utf-8")
    assert f"in the {updated.api} spec {updated.update.new_version}" in operations
    heading = f"## CaaS {updated.api} (spec {updated.update.new_version})"
    assert heading in operations
    section = operations.split(heading)[1].split("## ")[0]
    assert f"`{updated.update.module.split('.', 2)[2]}`" in section
    guide = (updated.root / "docs" / "guides" / "migrating-v3-v4.md").read_text(encoding="utf-8")
    migration = guide.split("<!-- migration report:")[1].split("<!-- end of migration report -->")[0]
    assert f"v{updated.update.new_version.split('.')[0]} {updated.update.new_version}" in migration
    others = [api for api in API_VERSIONS if api != updated.api]  # the other versions' lists are kept
    for api in others:
        assert f"## CaaS {api} (spec {pin_of(api).version})" in operations
    assert "the docs' generated blocks (operations, migration report) rewritten" in updated.result.stdout


def test_the_changelog_gets_an_entry_drafted_from_the_report(updated: UpdateRun) -> None:
    text = (updated.root / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = text.split("## [Unreleased]")[1].split("\n## [")[0]
    sha = tomllib.loads(updated.pin_text(updated.api))["spec"]["sha256"]
    assert (
        f"- CaaS {updated.api}: AVIV's document {updated.update.new_version} adopted "
        f"(was {updated.update.old_version}; sha256 {sha[:8]})"
    ) in unreleased
    assert f"GET {updated.update.path} ({updated.update.operation_id})" in unreleased
    assert "CHANGELOG.md: entry drafted under [Unreleased]" in updated.result.stdout
    real = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"{updated.update.new_version} adopted" not in real  # the checkout's changelog is left alone


# --- Wherever the documents are kept; the other version's document (issues 19 and 22) --------------


def test_pinned_documents_kept_outside_shared_openapi_update_as_well(tmp_path: Path) -> None:
    """A user keeping the pinned documents in ``../specs/`` (which update-spec accepts, with a warning while
    the others are elsewhere): pins moved there, the next version adopted there, no warning left, and
    nothing of this test depends on where this checkout keeps its own documents."""
    root = tmp_path / "repo"
    copy_pipeline(root)
    specs = root.parent / "specs"
    specs.mkdir(exist_ok=True)  # (this checkout's own pins may name it too: then it exists already)
    update = synthetic_update(raw_spec())
    run = UpdateRun(root, update, specs / f"aviv-classified-api-v{update.new_version}.json", _NOTHING)
    for api in API_VERSIONS:
        pin = pin_of(api)
        kept = specs / Path(pin.default_path).name
        if not kept.exists():
            shutil.copyfile(pin.location()[0], kept)
        moved = run.make(
            "update-spec", *([] if api == "v3" else [f"API={api}"]), f"CAAS_SPEC=../specs/{kept.name}"
        )
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert tomllib.loads(run.pin_text(api))["spec"]["default_path"] == f"../specs/{kept.name}"
    run.new_spec.write_text(json.dumps(update.document), encoding="utf-8")
    result = run.make("update-spec", f"CAAS_SPEC=../specs/{run.new_spec.name}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"GET {update.history_path} ({update.history_operation_id})" in result.stdout
    assert "WARNING" not in result.stdout  # beside the other pinned documents: portable
    spec = tomllib.loads(run.pin_text())["spec"]
    assert (spec["version"], spec["default_path"]) == (update.new_version, f"../specs/{run.new_spec.name}")
    assert run.make("spec").returncode == 0  # plain make finds every document where the pins say


_NOTHING = subprocess.CompletedProcess[str]([], 0)


def test_a_v4_document_given_as_caas_spec_is_named_so_and_the_advice_works(pipeline_copy: UpdateRun) -> None:
    """`make install CAAS_SPEC=<a v4 document>`: said to be v4's; the update-spec command it advises works."""
    update = synthetic_update(raw_spec("v4"), ApiPaths("v4").package_name)
    document = new_document_folder(pipeline_copy.root) / f"aviv-classified-api-v{update.new_version}.json"
    document.write_text(json.dumps(update.document), encoding="utf-8")
    refused = pipeline_copy.make("-o", ".venv/.project-installed", "install", f"CAAS_SPEC={document}")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert f"is version {update.new_version}: a v4 document, not v3's" in refused.stderr
    assert f"`make install CAAS_SPEC_V4={document}`" in refused.stderr
    assert f"`make update-spec API=v4 CAAS_SPEC={document}`" in refused.stderr
    fixed = run_suggested_update(pipeline_copy, refused.stderr)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert tomllib.loads(pipeline_copy.pin_text("v4"))["spec"]["version"] == update.new_version
