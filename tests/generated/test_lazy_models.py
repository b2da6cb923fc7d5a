"""The models package is lazy (PEP 562) yet exports every model, for code and for type checkers."""

from __future__ import annotations

import json
import subprocess
import sys

import aviv_caas_client.models as models
import pytest

from tests.generated.static_imports import MODELS, PACKAGE_DIR, lazy_exports

# Runs in a fresh interpreter: resolves every exported name with `from ... import`, and reports
# which model modules were loaded before the first lookup.
RESOLVE_ALL = """
import importlib, json, sys, typing
exports = json.loads(sys.argv[1])
import aviv_caas_client.models
loaded_before = sorted(m for m in sys.modules if m.startswith("aviv_caas_client.models."))
report = {"loaded_before": loaded_before, "names": {}}
for name, module in exports.items():
    namespace = {}
    exec(f"from aviv_caas_client.models import {name}", namespace)
    value = namespace[name]
    report["names"][name] = {
        "same_object": value is getattr(importlib.import_module(module), name),
        "class_name": value.__name__ if isinstance(value, type) else None,
        "literal": typing.get_origin(value) is typing.Literal,
    }
print(json.dumps(report))
"""


def test_every_generated_model_module_is_exported_once() -> None:
    modules = {path.stem for path in (PACKAGE_DIR / "models").glob("*.py")} - {"__init__"}
    exports = lazy_exports()
    assert sorted(exports) == sorted(models.__all__)
    assert len(set(models.__all__)) == len(models.__all__)
    assert {module.rpartition(".")[2] for module in exports.values()} == modules


def test_every_exported_name_resolves_lazily_to_its_model() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE_ALL, json.dumps(lazy_exports())],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["loaded_before"] == []
    names = report["names"]
    assert sorted(names) == sorted(models.__all__)
    assert [name for name, facts in names.items() if not facts["same_object"]] == []
    classes = {name: facts["class_name"] for name, facts in names.items() if facts["class_name"]}
    literals = {name for name, facts in names.items() if facts["literal"]}
    assert all(class_name == name for name, class_name in classes.items())
    assert classes.keys() | literals == set(names)
    assert "AvivClassified" in classes
    assert "ErrorResponse" in classes
    assert "EstateType" in literals


def test_dir_lists_every_model() -> None:
    listed = dir(models)
    assert set(models.__all__) <= set(listed)
    assert listed == sorted(listed)


def test_lookup_is_cached_in_the_module() -> None:
    first = models.AvivClassified
    assert vars(models)["AvivClassified"] is first
    assert models.AvivClassified is first


def test_unknown_name_raises_attribute_error_with_suggestion() -> None:
    with pytest.raises(AttributeError) as raised:
        _ = models.AvivClasified
    message = str(raised.value)
    assert f"module {MODELS!r} has no attribute 'AvivClasified'" in message
    assert "did you mean 'AvivClassified'" in message
    assert f"{MODELS}.__all__" in message
    assert not hasattr(models, "NoSuchModel")


def test_unknown_name_without_close_match_has_no_suggestion() -> None:
    with pytest.raises(AttributeError, match=r"has no attribute 'zzz'") as raised:
        _ = models.zzz
    assert "did you mean" not in str(raised.value)


def test_from_import_of_unknown_name_is_an_import_error() -> None:
    with pytest.raises(ImportError, match="NoSuchModel"):
        exec("from aviv_caas_client.models import NoSuchModel", {})


def test_star_import_binds_every_model() -> None:
    namespace: dict[str, object] = {}
    exec("from aviv_caas_client.models import *", namespace)
    assert set(models.__all__) <= namespace.keys()
