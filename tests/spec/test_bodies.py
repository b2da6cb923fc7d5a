"""The realistic bodies of bodies.py are valid, and the validity check itself can fail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.spec.bodies import living_room_picture, paris_apartment_for_sale, paris_apartment_pictures
from tests.spec.conftest import (
    for_each_api,
    inline_refs,
    json_differences,
    model_class,
    prepared_spec,
    raw_spec,
    validation_errors,
)

CLASSIFIED = {"$ref": "#/components/schemas/AvivClassified"}
MEDIA = {"$ref": "#/components/schemas/Media"}
DOCUMENTS = pytest.mark.parametrize("document", [raw_spec, prepared_spec], ids=["raw", "prepared"])


@for_each_api()
@DOCUMENTS
def test_the_paris_apartment_is_a_valid_aviv_classified(document: Any, api: str) -> None:
    assert validation_errors(document(api), CLASSIFIED, paris_apartment_for_sale()) == []


@DOCUMENTS
def test_the_living_room_picture_is_a_valid_v3_media(document: Any) -> None:
    assert validation_errors(document("v3"), MEDIA, living_room_picture()) == []


@DOCUMENTS
def test_the_pictures_make_a_valid_v4_classified(document: Any) -> None:
    body = {**paris_apartment_for_sale(), "media": paris_apartment_pictures()}
    assert validation_errors(document("v4"), CLASSIFIED, body) == []
    # v3's classifieds carry no media (attached through their own endpoints), nor v4's media a displayOrder
    assert [e.split(":")[0] for e in validation_errors(document("v3"), CLASSIFIED, body)] == ["/"]
    assert validation_errors(document("v4"), MEDIA, living_room_picture()) != []


def broken_bodies() -> list[tuple[str, dict[str, Any]]]:
    missing_id = paris_apartment_for_sale()
    del missing_id["data"]["metaData"]["source"]["offererEstateId"]
    unknown_type = paris_apartment_for_sale()
    unknown_type["data"]["estateType"] = "CASTLE"
    extra_member = paris_apartment_for_sale()
    extra_member["data"]["location"]["arrondissement"] = "11e"
    bad_date = paris_apartment_for_sale()
    bad_date["data"]["countrySpecific"]["fr"]["agentMandate"]["startDate"] = "02/05/2025"
    negative_price = paris_apartment_for_sale()
    negative_price["data"]["prices"]["buy"]["price"]["amount"] = -1
    return [
        ("'offererEstateId' is a required property", missing_id),
        ("'CASTLE' is not one of", unknown_type),
        ("Additional properties are not allowed ('arrondissement'", extra_member),
        ("'02/05/2025' is not a 'date'", bad_date),
        ("-1 is less than the minimum of 0", negative_price),
    ]


@for_each_api()
@pytest.mark.parametrize(("reason", "body"), broken_bodies(), ids=[r for r, _ in broken_bodies()])
def test_a_broken_body_is_reported_invalid(reason: str, body: dict[str, Any], api: str) -> None:
    (error,) = validation_errors(raw_spec(api), CLASSIFIED, body)
    assert reason in error


@for_each_api()
def test_the_paris_apartment_round_trips_through_the_typed_model(api: str) -> None:
    body = paris_apartment_for_sale()
    model = model_class("AvivClassified", api).from_dict(body)
    assert model.portals == ["SL", "BD"]
    assert model.data.estate_type == "APARTMENT"
    assert (model.data.location.city, model.data.location.postalcode) == ("Paris", "75011")
    assert model.data.prices.buy.price.amount == 845000
    assert model.data.structure.rooms.number_of_rooms == 3
    assert model.data.texts.headline.fr.startswith("Bastille")
    assert model.data.meta_data.source.offerer_estate_id == "ref-75011-0042"
    schema = inline_refs(raw_spec(api), CLASSIFIED)
    assert json_differences(body, model.to_dict(), [schema]) == []


def test_the_living_room_picture_round_trips_through_the_typed_model() -> None:
    body = living_room_picture()
    model = model_class("Media", "v3").from_dict(body)
    assert (model.media_type, model.category, model.display_order) == ("PICTURE", "LIVING_ROOM", 1)
    assert model.to_dict() == body


def test_the_pictures_round_trip_inside_a_v4_classified_in_order() -> None:
    body = {**paris_apartment_for_sale(), "media": paris_apartment_pictures()}
    model = model_class("AvivClassified", "v4").from_dict(body)
    assert [(m.category, m.media_type) for m in model.media] == [
        ("LIVING_ROOM", "PICTURE"),
        ("BALCONY", "PICTURE"),
    ]
    assert json_differences(body, model.to_dict(), [inline_refs(raw_spec("v4"), CLASSIFIED)]) == []
