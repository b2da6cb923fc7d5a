"""A synthetic next minor version of the pinned document: the kind of change AVIV ships silently.

    python -m tests.spec.synthetic_update OUT.json [--api v3]

Built at run time from the pinned document (never committed): the patch version goes up by one
(3.1.3 -> 3.1.4) and it gets

- one new portal code (``MA``) in every enum listing the portal codes,
- one new optional property (``RealEstate.features.evChargingPoint``, a boolean),
- one removed optional property (the deprecated ``RealEstate.features.residential.veranda``),
- one new GET operation (``GET /portals``, ``getPortals``, tag ``Portals``) answering the portals
  with the same documented errors as the other operations,
- one new GET operation under an existing resource, the one of issue 22's scenario
  (``GET /classifieds/{classifiedId}/history``, ``getClassifiedHistory``, tag ``Classifieds``): the
  classified's revisions, with the path parameter and errors of ``GET /classifieds/{classifiedId}``.
  Applied to v3 alone, it is a path v3 has and v4 lacks that is not a fact of today's documents.

Applied to its own output it still makes a valid next version (names taken get a number), so a
checkout that adopted 3.1.4 tests the next update with 3.1.5.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PORTAL_CODES = {"SL", "BUCOM", "BD"}  # an enum listing these lists AVIV's portal codes (v3 and v4)
REMOVABLE = ("veranda", "showAddress")  # deprecated optional members, removed in that order


@dataclass(frozen=True)
class SyntheticUpdate:
    """The new document and what was changed in it."""

    document: dict[str, Any]
    old_version: str
    new_version: str
    portal_code: str
    added_property: str  # location, e.g. RealEstate.features.evChargingPoint
    removed_property: str
    path: str
    operation_id: str
    tag: str
    package: str = "aviv_caas_client"
    history_path: str = ""
    history_operation_id: str = ""
    history_tag: str = ""

    @property
    def module(self) -> str:
        """The generated module of the new operation, named by the generator's own rules."""
        from openapi_python_client.strings import PythonIdentifier

        folder, module = PythonIdentifier(self.tag, "tag"), PythonIdentifier(self.operation_id, "field")
        return f"{self.package}.api.{folder}.{module}"

    @property
    def history_module(self) -> str:
        """The generated module of the new operation under an existing resource (``.../history``)."""
        from openapi_python_client.strings import PythonIdentifier

        folder = PythonIdentifier(self.history_tag, "tag")
        return f"{self.package}.api.{folder}.{PythonIdentifier(self.history_operation_id, 'field')}"

    @property
    def response_class(self) -> str:
        """The generated model of the new operation's 200 answer."""
        from openapi_python_client.strings import ClassName

        return ClassName(f"{self.operation_id}Response200", "field")


def _enums(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, Mapping):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def _fresh(taken: set[str], base: str) -> str:
    return next(
        name for name in (base if n == 1 else f"{base}{n}" for n in itertools.count(1)) if name not in taken
    )


def _portals_operation(
    document: Mapping[str, Any], operation_id: str, tag: str, portals: list[str]
) -> dict[str, Any]:
    """A GET operation like AVIV's others: the same header parameters and documented errors."""
    template = document["paths"]["/classifieds"]["get"]
    return {
        "tags": [tag],
        "operationId": operation_id,
        "summary": "List the portals a classified can be published on.",
        "parameters": copy.deepcopy(
            [p for p in template["parameters"] if p.get("$ref", "").endswith("Header")]
        ),
        "responses": {
            "200": {
                "description": "OK",
                "headers": {"traceparent": {"$ref": "#/components/headers/traceparent"}},
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["code", "name"],
                                        "properties": {
                                            "code": {"type": "string", "enum": list(portals)},
                                            "name": {"type": "string", "example": "SeLoger"},
                                        },
                                    },
                                }
                            },
                        },
                        "example": {"items": [{"code": portals[0], "name": "SeLoger"}]},
                    }
                },
            },
            **{
                status: copy.deepcopy(template["responses"][status])
                for status in ("401", "403", "500", "default")
                if status in template["responses"]
            },
        },
    }


def _history_operation(document: Mapping[str, Any], operation_id: str, tag: str) -> dict[str, Any]:
    """``GET /classifieds/{classifiedId}/history``: the revisions of a classified, like AVIV's GETs."""
    template = document["paths"]["/classifieds/{classifiedId}"]["get"]
    revision = {
        "type": "object",
        "required": ["revision", "receivedAt"],
        "properties": {
            "revision": {"type": "integer", "example": 2},
            "receivedAt": {"type": "string", "format": "date-time", "example": "2025-05-02T09:15:00Z"},
        },
    }
    return {
        "tags": [tag],
        "operationId": operation_id,
        "summary": "Return the revisions of a classified.",
        "parameters": copy.deepcopy(template["parameters"]),
        "responses": {
            "200": {
                "description": "OK",
                "headers": {"traceparent": {"$ref": "#/components/headers/traceparent"}},
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": revision}},
                        },
                        "example": {"items": [{"revision": 1, "receivedAt": "2025-05-02T09:15:00Z"}]},
                    }
                },
            },
            **{
                status: copy.deepcopy(response)
                for status, response in template["responses"].items()
                if status != "200" and not status.startswith("2")
            },
        },
    }


def synthetic_update(document: Mapping[str, Any], package: str = "aviv_caas_client") -> SyntheticUpdate:
    """The next patch version of ``document`` with the four changes of this module's docstring."""
    new = copy.deepcopy(dict(document))
    old_version = str(new["info"]["version"])
    major, minor, patch = old_version.split(".")[:3]
    new_version = f"{major}.{minor}.{int(patch) + 1}"
    new["info"]["version"] = new_version
    portal_enums = [enum for enum in _enums(new) if set(enum) >= PORTAL_CODES]
    code = _fresh({v for enum in portal_enums for v in enum}, "MA")
    for enum in portal_enums:
        enum.append(code)
    features = new["components"]["schemas"]["RealEstate"]["properties"]["features"]
    added = _fresh(set(features["properties"]), "evChargingPoint")
    features["properties"][added] = {
        "type": "boolean",
        "description": "An electric vehicle charging point comes with the property",
        "example": True,
    }
    residential = features["properties"]["residential"]["properties"]
    location = new["components"]["schemas"]["RealEstate"]["properties"]["location"]["properties"]
    if "veranda" in residential:
        del residential["veranda"]
        removed = "RealEstate.features.residential.veranda"
    else:
        del location["showAddress"]
        removed = "RealEstate.location.showAddress"
    tag = "Portals"
    path = _fresh(set(new["paths"]), "/portals")
    operation_id = _fresh(
        {
            op.get("operationId")
            for item in new["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
        },
        "getPortals",
    )
    taken_ids = {
        op.get("operationId")
        for item in new["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    }
    new["paths"][path] = {"get": _portals_operation(new, operation_id, tag, portal_enums[0])}
    history_tag = str((new["paths"]["/classifieds/{classifiedId}"]["get"].get("tags") or ["Classifieds"])[0])
    history_path = _fresh(set(new["paths"]), "/classifieds/{classifiedId}/history")
    history_id = _fresh({*taken_ids, operation_id}, "getClassifiedHistory")
    new["paths"][history_path] = {"get": _history_operation(new, history_id, history_tag)}
    return SyntheticUpdate(
        new,
        old_version,
        new_version,
        code,
        f"RealEstate.features.{added}",
        removed,
        path,
        operation_id,
        tag,
        package,
        history_path,
        history_id,
        history_tag,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the synthetic next version of the pinned document to OUT."""
    from scripts.pin import SpecPin

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--api", default="v3")
    args = parser.parse_args(argv)
    _, data = SpecPin.load(args.api).read_verified()
    from scripts.paths import ApiPaths

    update = synthetic_update(json.loads(data), ApiPaths(args.api).package_name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(update.document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {update.old_version} -> {update.new_version}; new portal code {update.portal_code}, "
        f"+{update.added_property}, -{update.removed_property}, + GET {update.path} ({update.operation_id}), "
        f"+ GET {update.history_path} ({update.history_operation_id})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
