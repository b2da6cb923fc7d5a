"""Importing one endpoint module loads no model module, nor the client classes (issue 21): its first call
loads them, and only the model modules its own imports (under ``TYPE_CHECKING``) need."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import attrs
import pytest

from tests.generated.static_imports import MODELS, PACKAGE, PACKAGE_DIR, imported_closure, lazy_exports

ENDPOINTS = sorted(
    f"{PACKAGE}.api.{path.parent.name}.{path.stem}"
    for path in (PACKAGE_DIR / "api").glob("*/*.py")
    if path.stem != "__init__"
)

LOADED = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
if sys.argv[2] == "first-call":
    module._import_referenced()  # what the endpoint's first call imports before sending
print(json.dumps(sorted(m for m in sys.modules if m.partition(".")[0] == "aviv_caas_client")))
"""


def loaded_by(module: str, *, first_call: bool = False) -> set[str]:
    stage = "first-call" if first_call else "import"
    result = subprocess.run(
        [sys.executable, "-c", LOADED, module, stage], capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


def model_modules(modules: set[str]) -> set[str]:
    return {module for module in modules if module.startswith(MODELS + ".")}


def test_every_endpoint_is_covered() -> None:
    """One module per operation of the spec the package was generated from (whatever its version)."""
    spec = json.loads((PACKAGE_DIR / "openapi.json").read_text(encoding="utf-8"))
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    assert len(ENDPOINTS) == sum(method in methods for item in spec["paths"].values() for method in item)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_import_loads_exactly_what_its_imports_need(endpoint: str) -> None:
    loaded = loaded_by(endpoint)
    assert loaded == imported_closure(endpoint)
    assert model_modules(loaded) == set()  # the models it sends and reads wait for its first call
    assert f"{PACKAGE}.client" not in loaded


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_endpoint_s_first_call_loads_a_small_part_of_the_models(endpoint: str) -> None:
    loaded = loaded_by(endpoint, first_call=True)
    assert f"{PACKAGE}.client" in loaded
    # The response's nested models wait until they are read (types.read_later).
    assert 0 < len(model_modules(loaded)) < len(lazy_exports()) // 20


def test_nested_models_are_not_loaded_before_a_response_is_parsed() -> None:
    loaded = model_modules(loaded_by(f"{PACKAGE}.api.classifieds.get_classified", first_call=True))
    answer_and_problem = {
        f"{MODELS}.error_response",
        f"{MODELS}.error_response_error_source",
        f"{MODELS}.get_classified_response_200",
    }
    assert answer_and_problem <= loaded
    # Besides them, only enums (Literal types, no model class of a nested object): the rule, whatever a
    # later document adds (3.1.3: aviv_classified_portals_item alone).
    for name in loaded - answer_and_problem:
        module = importlib.import_module(name)
        assert not [v for v in vars(module).values() if attrs.has(v) and v.__module__ == name], name
    assert f"{MODELS}.real_estate" not in loaded
