"""Realistic request bodies (proved valid in test_bodies.py); they ship as aviv_caas_auth.sandbox.samples."""

from __future__ import annotations

from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale

__all__ = ["BASE_BODIES", "living_room_picture", "paris_apartment_for_sale"]

# Valid bodies of the models that hold a schema example below their top level, by component name:
# test_examples.py places each such example at its location inside a copy of one of these.
BASE_BODIES = {
    "AvivClassified": paris_apartment_for_sale,
    "RealEstate": lambda: paris_apartment_for_sale()["data"],
    "Media": living_room_picture,
}
