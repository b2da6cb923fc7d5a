"""How generated models read a response: the referenced models are imported once, and models with
many optional properties read only the members present, losslessly (openapi/templates/model.py.jinja).
"""

from __future__ import annotations

import builtins
import copy
import importlib
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from aviv_caas_client.models import (
    GetClassifiedResponse200,
    MultiLingualTextualComponentBasedOnISO63912002Alpha2Code,
)
from aviv_caas_client.types import UNSET
from scripts.bench.fixtures import CLASSIFIED
from tests.generated.static_imports import PACKAGE_DIR
from tests.spec.conftest import inlined_component, json_differences, raw_spec

Text = MultiLingualTextualComponentBasedOnISO63912002Alpha2Code


def gathered_models() -> Iterator[tuple[str, type[Any], dict[str, str]]]:
    """Every model module with an ``_AS_RECEIVED`` table: (module, model class, table)."""
    for path in sorted((PACKAGE_DIR / "models").glob("*.py")):
        if "_AS_RECEIVED" not in path.read_text():
            continue
        module = importlib.import_module(f"aviv_caas_client.models.{path.stem}")
        classes = [
            value
            for value in vars(module).values()
            if attrs.has(value) and value.__module__ == module.__name__
        ]
        assert len(classes) == 1, path
        yield module.__name__, classes[0], module._AS_RECEIVED


@pytest.fixture
def import_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every import statement executed while the test runs (builtins.__import__ sees them all)."""
    executed: list[str] = []
    real_import = builtins.__import__

    def counting_import(name: str, *args: Any, **kwargs: Any) -> Any:
        executed.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting_import)
    return executed


def test_reading_a_classified_again_executes_no_import(import_statements: list[str]) -> None:
    data = copy.deepcopy(CLASSIFIED)
    first = GetClassifiedResponse200.from_dict(data)  # may import the models it refers to
    imports_on_first_read = len(import_statements)
    second = GetClassifiedResponse200.from_dict(data)
    written = second.to_dict()
    assert len(import_statements) == imports_on_first_read
    assert second == first
    # Lossless: the same JSON, date-times compared as instants ("Z" and "+00:00" are one instant).
    body = {k: v for k, v in CLASSIFIED.items() if k != "classifiedId"}
    returned = {k: v for k, v in written.items() if k != "classifiedId"}
    assert written["classifiedId"] == CLASSIFIED["classifiedId"]
    assert json_differences(body, returned, [inlined_component("AvivClassified")]) == []


def test_a_text_keeps_the_languages_present_and_an_unknown_member() -> None:
    data = {"fr": "Trois pièces", "as": "অসমীয়া", "en": "Three rooms", "xx-new": "kept"}
    text = Text.from_dict(data)
    assert (text.fr, text.as_, text.en) == ("Trois pièces", "অসমীয়া", "Three rooms")
    assert text.de is UNSET
    assert text.additional_properties == {"xx-new": "kept"}
    assert text.to_dict() == data


def test_an_empty_text_reads_as_all_unset() -> None:
    text = Text.from_dict({})
    assert text == Text()
    assert text.to_dict() == {}


def test_gathered_tables_list_exactly_the_optional_properties_read_as_they_are() -> None:
    models = list(gathered_models())
    assert "aviv_caas_client.models.multi_lingual_textual_component_based_on_iso63912002_alpha_2_code" in {
        module for module, _, _ in models
    }
    for module, cls, table in models:
        fields = {field.name: field for field in attrs.fields(cls) if field.name != "additional_properties"}
        assert set(table.values()) <= set(fields), module
        assert all(fields[name].default is UNSET for name in table.values()), module
        assert len(table) >= 10, module
    text_table = next(table for module, _, table in models if module.endswith("alpha_2_code"))
    # One member per language the document lists (184 in v3.1.3): counted from the document.
    assert set(text_table) == set(raw_spec()["components"]["schemas"]["MultiLingualText"]["properties"])
    assert text_table["as"] == "as_"


def test_every_gathered_model_reads_every_member_back_unchanged() -> None:
    checked = []
    for module, cls, table in gathered_models():
        if any(field.default is attrs.NOTHING for field in attrs.fields(cls)):
            continue  # a required member needs a valid value: covered by the classified tests
        checked.append(module)
        data: dict[str, Any] = {wire: f"value-{index}" for index, wire in enumerate(table)}
        data["not-in-the-spec"] = {"kept": True}
        assert cls.from_dict(data).to_dict() == data, module
        some = dict(list(data.items())[::7])
        assert cls.from_dict(some).to_dict() == some, module
    assert len(checked) >= 10
