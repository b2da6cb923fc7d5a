"""Models read from an answer read their nested models on first access (types.read_later), and behave
exactly like models read at once by ``from_dict``: equality, repr, ``to_dict``, pickling, assignment.
Until then a nested model is a stand-in (an instance of a subclass of its model); after, the model's.

Both API versions, through the endpoint functions on an in-process ``httpx.MockTransport``.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import pickle
import threading
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest

from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale

PACKAGES = ("aviv_caas_client", "aviv_caas_client_v4")
CLASSIFIED_ID = "5c597a63-6932-4b0c-a2a0-2fd935be1755"
READER = "aviv_caas_client.reader"
LYON = {
    "postalcode": "69001",
    "city": "Lyon",
    "street": "Rue de la République",
    "houseNumber": "1",
    "country": "FR",
}


def classified(**overrides: Any) -> dict[str, Any]:
    return {"classifiedId": CLASSIFIED_ID, **paris_apartment_for_sale(), **overrides}


@pytest.fixture(params=PACKAGES)
def package(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    types = importlib.import_module(f"{request.param}.types")
    types.unknown_values.clear()
    yield importlib.import_module(request.param)
    types.unknown_values.clear()


def answered(package: ModuleType, document: Any, endpoint: str = "get_classified") -> Any:
    """What ``endpoint.sync`` returns when the API answers ``document``."""
    body = json.dumps(document).encode()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    )
    client = package.AuthenticatedClient(
        base_url="https://caas.test.invalid", token="t", httpx_args={"transport": transport}
    )
    module = importlib.import_module(f"{package.__name__}.api.classifieds.{endpoint}")
    with client:
        if endpoint == "get_classified":
            return module.sync(uuid.UUID(CLASSIFIED_ID), client=client)
        return module.sync(client=client)


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def unread(instance: Any) -> bool:
    """Whether ``instance`` is a stand-in not read yet (``type``, unlike ``__class__``, does not read it)."""
    model = type(instance).__mro__[1]
    return isinstance(instance, model) and type(instance).__name__ == model.__name__


def test_nested_models_are_read_on_first_access_and_then_kept(package: ModuleType) -> None:
    parsed = answered(package, classified())
    real_estate = model(package, "RealEstate")

    assert type(parsed) is model(package, "GetClassifiedResponse200")  # an answer's model is read at once
    data = parsed.data
    assert unread(data)
    assert isinstance(data, real_estate)
    assert type(data).__name__ == "RealEstate"
    assert (
        data.meta_data.source.offerer_estate_id
        == classified()["data"]["metaData"]["source"]["offererEstateId"]
    )
    assert type(data) is real_estate  # read, and the model's own
    assert parsed.data is data
    assert unread(data.location)  # not looked at yet
    assert not unread(data.meta_data)


def test_a_listing_reads_its_items_but_not_their_nested_models(package: ModuleType) -> None:
    documents = [classified(classifiedId=str(uuid.UUID(int=n))) for n in range(1, 4)]
    page = answered(package, {"items": documents, "nextToken": "2"}, endpoint="get_classifieds")

    assert page.next_token == "2"
    item_model = model(package, "GetClassifiedsResponse200ItemsItem")
    assert all(type(item) is item_model for item in page.items)  # a list holds models, not stand-ins
    assert [item.classified_id for item in page.items] == [uuid.UUID(int=n) for n in range(1, 4)]
    assert all(unread(item.data) for item in page.items)


def test_read_on_access_is_indistinguishable_from_read_at_once(package: ModuleType) -> None:
    document = classified()
    lazily, at_once = (
        answered(package, document),
        model(package, "GetClassifiedResponse200").from_dict(document),
    )

    assert not unread(at_once.data)
    assert lazily == at_once  # compares every member: reads them all
    assert not unread(lazily.data)
    fresh = answered(package, document)
    assert at_once == fresh
    assert repr(answered(package, document)) == repr(at_once)
    assert (
        answered(package, document).to_dict()
        == at_once.to_dict()
        == model(package, "GetClassifiedResponse200").from_dict(at_once.to_dict()).to_dict()
    )
    assert attrs.asdict(answered(package, document)) == attrs.asdict(at_once)
    assert copy.copy(answered(package, document)) == at_once
    pickled = pickle.loads(pickle.dumps(answered(package, document)))  # (UNSET does not survive pickling)
    assert pickled.data.meta_data.source.offerer_estate_id == at_once.data.meta_data.source.offerer_estate_id
    assert attrs.evolve(answered(package, document), classified_id=uuid.UUID(int=7)).data == at_once.data


def test_a_member_set_before_it_was_read_is_kept(package: ModuleType) -> None:
    parsed = answered(package, classified())
    conditions = model(package, "RealEstateConditions")(build_state="WELL_KEPT")
    data = parsed.data
    data.location = model(package, "RealEstateLocation").from_dict(LYON)
    data.conditions = conditions

    assert data.location.city == "Lyon"  # what was set, not the answer's
    written = parsed.to_dict()
    assert written["data"]["location"] == LYON
    assert written["data"]["conditions"] == {"buildState": "WELL_KEPT"}
    assert written["data"]["prices"] == classified()["data"]["prices"]


def test_from_dict_reads_at_once_so_the_dict_stays_the_callers(package: ModuleType) -> None:
    document = classified()
    read = model(package, "GetClassifiedResponse200").from_dict(document)
    document["data"]["location"]["city"] = "Lyon"

    assert read.data.location.city == "Paris"
    assert type(read.data) is model(package, "RealEstate")


def test_what_a_nested_member_adds_is_logged_once_naming_the_answer(
    package: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    document = classified()
    document["data"]["metaData"]["source"]["crmTenant"] = "agency-42"
    document["data"]["conditions"] = {"buildState": "SHINY_NEW_STATE"}
    types = importlib.import_module(f"{package.__name__}.types")

    with caplog.at_level(logging.WARNING, logger=READER):
        parsed = answered(package, document)
        assert [r for r in caplog.records if r.name == READER] == []  # not read yet, so not seen yet
        assert parsed.data.meta_data.source["crmTenant"] == "agency-42"
        assert parsed.data.conditions.build_state == "SHINY_NEW_STATE"
        assert isinstance(parsed.data.conditions.build_state, types.UnknownEnumValue)
        answered(package, document).to_dict()  # read again: not logged again

    warnings = [r.getMessage() for r in caplog.records if r.name == READER]
    assert len(warnings) == 2
    assert all("the answer to GET /classifieds/{classified_id}" in w for w in warnings), warnings
    assert types.unknown_values.seen() == {
        ("field", "RealEstateMetaDataSource", "crmTenant"),
        ("enum", "RealEstateConditionsBuildState", "SHINY_NEW_STATE"),
    }


def test_a_nested_member_that_cannot_be_read_raises_a_typed_error_on_access(package: ModuleType) -> None:
    document = classified()
    del document["data"]["metaData"]["source"]["offererEstateId"]  # required
    document["data"]["location"] = "not an object"
    types = importlib.import_module(f"{package.__name__}.types")

    parsed = answered(package, document)  # the rest of the answer reads
    assert parsed.data.prices.to_dict() == classified()["data"]["prices"]
    location = parsed.data.location
    for _ in range(2):  # the JSON is kept: every access says so
        with pytest.raises(types.UnreadableMemberError) as raised:
            location.city  # noqa: B018
        assert raised.value.member == "RealEstate.location"
        assert raised.value.model == "RealEstateLocation"
        assert "the answer to GET /classifieds/{classified_id}" in str(raised.value)
        assert isinstance(raised.value, ValueError)
        assert isinstance(raised.value.__cause__, TypeError | ValueError)
    # metaData's source is a model of plain members, read with metaData: the error is metaData's.
    with pytest.raises(
        types.UnreadableMemberError, match=r"RealEstate\.meta_data: .*KeyError: 'offererEstateId'"
    ):
        parsed.data.meta_data.source  # noqa: B018


def test_attributes_that_do_not_exist_still_raise_attribute_error(package: ModuleType) -> None:
    parsed = answered(package, classified())
    built = model(package, "RealEstateConditions")()

    for instance in (parsed, parsed.data, built):
        assert not hasattr(instance, "no_such_member")
        with pytest.raises(AttributeError, match="has no attribute 'no_such_member'"):
            instance.no_such_member  # noqa: B018
    assert (
        parsed.data.links
        is model(package, "RealEstate")(
            estate_type="APARTMENT", distribution_type="BUY", location=None, prices=None, meta_data=None
        ).links
    )  # absent: UNSET, as from __init__


def test_threads_reading_the_same_model_all_see_it_whole(package: ModuleType) -> None:
    for _ in range(20):
        parsed = answered(package, classified())
        data = parsed.data
        seen: list[Any] = []
        start = threading.Barrier(8)

        def read(data: Any = data, seen: list[Any] = seen, start: threading.Barrier = start) -> None:
            start.wait()
            seen.append((data.estate_type, data.meta_data.source.offerer_estate_id, data.location.city))

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = ("APARTMENT", classified()["data"]["metaData"]["source"]["offererEstateId"], "Paris")
        assert seen == [expected] * 8
        assert type(data) is model(package, "RealEstate")
        assert data == model(package, "RealEstate").from_dict(classified()["data"])
