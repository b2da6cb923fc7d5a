"""Realistic request bodies (proved valid in test_bodies.py); they ship as aviv_caas_auth.sandbox.samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aviv_caas_auth.sandbox.samples import (
    living_room_picture,
    paris_apartment_for_sale,
    paris_apartment_pictures,
)
from tests.spec.conftest import prepared_spec

__all__ = ["BASE_BODIES", "living_room_picture", "paris_apartment_for_sale", "paris_apartment_pictures"]


def media(api: str) -> dict[str, Any]:
    """The sample picture with the members ``api``'s Media declares (v4 has no displayOrder)."""
    declared = prepared_spec(api)["components"]["schemas"]["Media"]["properties"]
    return {name: value for name, value in living_room_picture().items() if name in declared}


# Valid bodies of the models that hold a schema example below their top level, by component name
# (each made for an API version): test_examples.py places each such example at its location inside
# a copy of one of these.
BASE_BODIES: dict[str, Callable[[str], Any]] = {
    "AvivClassified": lambda _api: paris_apartment_for_sale(),
    "RealEstate": lambda _api: paris_apartment_for_sale()["data"],
    "Media": media,
}
