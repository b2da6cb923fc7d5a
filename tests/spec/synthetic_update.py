"""A synthetic next minor version of the pinned document: the kind of change AVIV ships silently.

    python -m tests.spec.synthetic_update OUT.json [--api v3]

Built at run time from the pinned document (never committed): the patch version goes up by one
(3.1.3 -> 3.1.4) and it gets

- one new portal code (``MA``) in every enum listing the portal codes,
- one new optional property (``RealEstate.features.evChargingPoint``, a boolean),
- one removed optional property (the deprecated ``RealEstate.features.residential.veranda``),
- one new GET operation (``GET /portals``, ``getPortals``, tag ``Portals``) answering the portals
  with the same documented errors as the other operations.

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

PORTAL_CODES = {"SL", "BD", "LI"}  # an enum listing these lists AVIV's portal codes
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

    @property
    def module(self) -> str:
        """The generated module of the new operation, named by the generator's own rules."""
        from openapi_python_client.strings import PythonIdentifier

        folder, module = PythonIdentifier(self.tag, "tag"), PythonIdentifier(self.operation_id, "field")
        return f"aviv_caas_client.api.{folder}.{module}"

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


def synthetic_update(document: Mapping[str, Any]) -> SyntheticUpdate:
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
    new["paths"][path] = {"get": _portals_operation(new, operation_id, tag, portal_enums[0])}
    return SyntheticUpdate(
        new, old_version, new_version, code, f"RealEstate.features.{added}", removed, path, operation_id, tag
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
    update = synthetic_update(json.loads(data))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(update.document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {update.old_version} -> {update.new_version}; new portal code {update.portal_code}, "
        f"+{update.added_property}, -{update.removed_property}, + GET {update.path} ({update.operation_id})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
