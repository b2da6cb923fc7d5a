"""v3 and v4 side by side (issue 11): what v4 keeps, drops and adds, from the two pinned documents.

The relations are derived from the documents and the generated packages; one test states the
issue's own figures, for the versions it measured them on.
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

from aviv_caas_auth.workflows.endpoints import OPERATIONS
from scripts.build_hook import generated_packages
from scripts.paths import PYPROJECT, REPO_ROOT, ApiPaths
from tests.spec.conftest import API_VERSIONS, for_each_api, operations, package_of, pin_of, raw_spec

# Issue 11, "What it must show", measured on v3.1.3 and v4.0.2.
ISSUE_OPERATION_COUNTS = {("v3", "3.1.3"): 15, ("v4", "4.0.2"): 8}


def generated_operations(api: str) -> set[str]:
    """The endpoint modules of ``api``'s generated package (``classifieds.get_classified``...)."""
    package = package_of(api)
    tags = importlib.import_module(f"{package}.api")
    found = set()
    for tag in pkgutil.iter_modules(tags.__path__):
        modules = importlib.import_module(f"{package}.api.{tag.name}")
        found |= {f"{tag.name}.{m.name}" for m in pkgutil.iter_modules(modules.__path__)}
    return found


def keys(api: str) -> set[tuple[str, str]]:
    return {(op.method, op.path) for op in operations(raw_spec(api), api)}


def test_both_versions_are_pinned_and_generated() -> None:
    assert API_VERSIONS == ("v3", "v4")
    assert [package_of(api) for api in API_VERSIONS] == ["aviv_caas_client", "aviv_caas_client_v4"]
    for api in API_VERSIONS:
        assert len(generated_operations(api)) == len(operations(raw_spec(api), api))


def test_the_issue_s_figures_on_the_versions_it_measured() -> None:
    """After `make install`: aviv_caas_client_v4 has 8 operations beside v3's 15."""
    for api in API_VERSIONS:
        pinned = pin_of(api).version
        figure = ISSUE_OPERATION_COUNTS.get((api, pinned))
        count = len(generated_operations(api))
        if figure is not None:
            assert count == figure, (api, pinned)
        else:  # a later minor version of the same major: AVIV's minor versions only add operations
            (measured,) = [n for (name, _), n in ISSUE_OPERATION_COUNTS.items() if name == api]
            assert count >= measured


def test_v4_is_v3_without_patch_and_the_media_endpoints() -> None:
    """What moved: media (inside the classified); what was removed: PATCH and every per-media endpoint.

    Stated as rules any additive update of either version keeps (issue 22): a new path in v3 only
    (``/classifieds/{classifiedId}/history``) or in v4 only changes none of them. The exact list of
    what v3 has and v4 lacks is the README's migration report, regenerated from the documents.
    """
    v3, v4 = keys("v3"), keys("v4")
    assert {method for method, _ in v4}.isdisjoint({"patch"})  # v4 has no PATCH...
    assert not any("/media" in path for _, path in v4)  # ...nor any media endpoint
    assert ("patch", "/classifieds/{classifiedId}") in v3  # which v3 has
    assert any("/media" in path for _, path in v3)
    # Every operation the workflows rely on is in both (one set of workflows for both versions).
    for api in API_VERSIONS:
        modules = {op.module_name.split(".api.", 1)[1] for op in operations(raw_spec(api), api)}
        assert {f"{tag}.{name}" for name, tag in OPERATIONS.items()} <= modules, api
    v4_schemas = raw_spec("v4")["components"]["schemas"]
    assert "media" in v4_schemas["AvivClassified"]["properties"]  # media travel inside the classified
    assert "mediaStatuses" in v4_schemas["ClassifiedStatus"]["properties"]
    statuses = set(v4_schemas["ClassifiedStatus"]["properties"]["status"]["enum"])
    assert {"CREATED_WITH_MEDIA_ERROR", "UPDATED_WITH_MEDIA_ERROR"} <= statuses  # the workflows' media states


def test_v4_declares_no_authorization_header_parameter() -> None:
    assert "authorizationHeader" in raw_spec("v3")["components"]["parameters"]
    assert "authorizationHeader" not in raw_spec("v4")["components"]["parameters"]
    for api in API_VERSIONS:  # the bearer scheme alone says how to authenticate
        assert raw_spec(api)["security"] == [{"bearerAuth": []}]


@for_each_api()
def test_the_wheel_and_the_build_hook_carry_the_package(api: str) -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    package = ApiPaths(api).generated_package.relative_to(REPO_ROOT).as_posix()
    assert package in config["wheel"]["packages"]
    assert f"{package}/**" in config["wheel"]["artifacts"]
    assert f"{package}/**" in config["sdist"]["artifacts"]
    assert Path(package) in generated_packages(REPO_ROOT)


def test_the_wheel_carries_nothing_but_the_versions_and_the_hand_written_package() -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    expected = {ApiPaths(api).generated_package.relative_to(REPO_ROOT).as_posix() for api in API_VERSIONS}
    assert set(config["wheel"]["packages"]) == {"aviv_caas_auth", *expected}
    assert {p.as_posix() for p in generated_packages(REPO_ROOT)} == expected
