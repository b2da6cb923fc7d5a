"""The tolerant reader: what AVIV adds silently (enum values, members) never fails a response's parse.

Values read are kept (and re-sent unchanged) and logged once; values the user builds are still
checked against the known ones before anything is sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import UUID

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import unwrap
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import (
    create_classified,
    get_classified,
    get_classifieds,
    update_classified,
)
from aviv_caas_client.api.status import get_classified_statuses
from aviv_caas_client.errors import InvalidEnumValueError
from aviv_caas_client.models import (
    AvivClassified,
    GetClassifiedResponse200,
    RealEstateConditions,
    RealEstateMetaDataSource,
)
from aviv_caas_client.types import UnknownEnumValue, unknown_values
from tests.problems.conftest import CLASSIFIED_ID, classified_json

READER = "aviv_caas_client.reader"


def reader_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == READER and r.levelno == logging.WARNING]


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items)}


def item(offerer_estate_id: str, classified_id: str, **overrides: Any) -> dict[str, Any]:
    document = classified_json(classifiedId=classified_id, **overrides)
    document["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    return document


def test_unknown_enum_value_in_a_response_is_kept_and_logged_once(
    httpserver: HTTPServer, client: AuthenticatedClient, caplog: pytest.LogCaptureFixture
) -> None:
    # "SLX" appears twice: in two items' portals.
    httpserver.expect_request("/classifieds").respond_with_json(
        listing(
            item("ref-1", CLASSIFIED_ID, portals=["SL", "SLX"]),
            item("ref-2", "9c597a63-6932-4b0c-a2a0-2fd935be1766", portals=["SLX"]),
        )
    )

    with caplog.at_level(logging.WARNING, logger=READER):
        page = unwrap(get_classifieds.sync_detailed(client=client))

    assert page.items[0].portals == ["SL", "SLX"]
    assert page.items[1].portals == ["SLX"]
    kept = page.items[1].portals[0]
    assert isinstance(kept, str)
    assert isinstance(kept, UnknownEnumValue)
    assert not isinstance(page.items[0].portals[0], UnknownEnumValue)
    warnings = reader_warnings(caplog)
    assert len(warnings) == 1
    assert "AvivClassifiedPortalsItem" in warnings[0]
    assert "'SLX'" in warnings[0]
    assert unknown_values.seen() == {("enum", "AvivClassifiedPortalsItem", "SLX")}


def test_distinct_unknown_values_are_each_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    documents = [classified_json(classifiedId=CLASSIFIED_ID, portals=[p, p]) for p in ("SLX", "SLY", "SLX")]

    with caplog.at_level(logging.WARNING, logger=READER):
        for document in documents:
            GetClassifiedResponse200.from_dict(document)

    assert len(reader_warnings(caplog)) == 2


def test_unknown_member_is_kept_even_where_the_schema_forbids_extras_and_logged_once(
    httpserver: HTTPServer, client: AuthenticatedClient, caplog: pytest.LogCaptureFixture
) -> None:
    # RealEstateMetaDataSource's schema says additionalProperties: false.
    first = item("ref-1", CLASSIFIED_ID)
    second = item("ref-2", "9c597a63-6932-4b0c-a2a0-2fd935be1766")
    for document in (first, second):
        document["data"]["metaData"]["source"]["crmTenant"] = "agency-42"
    httpserver.expect_request("/classifieds").respond_with_json(listing(first, second))

    with caplog.at_level(logging.WARNING, logger=READER):
        page = unwrap(get_classifieds.sync_detailed(client=client))

    sources = [i.data.meta_data.source for i in page.items]
    assert all(isinstance(s, RealEstateMetaDataSource) for s in sources)
    assert [s.additional_properties for s in sources] == [{"crmTenant": "agency-42"}] * 2
    assert sources[0]["crmTenant"] == "agency-42"
    warnings = reader_warnings(caplog)
    assert len(warnings) == 1
    assert "RealEstateMetaDataSource" in warnings[0]
    assert "'crmTenant'" in warnings[0]
    assert "agency-42" not in warnings[0]  # member names are logged, never their values


def test_free_form_objects_are_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    # RealEstateLocationGeometry declares no property: its keys are GeoJSON data, not unknown members.
    document = classified_json(classifiedId=CLASSIFIED_ID)
    document["data"]["location"]["geometry"] = {"type": "Point", "coordinates": [2.35, 48.85]}

    with caplog.at_level(logging.WARNING, logger=READER):
        parsed = GetClassifiedResponse200.from_dict(document)

    assert parsed.to_dict() == document
    assert reader_warnings(caplog) == []


def test_read_edit_send_back_keeps_what_the_client_does_not_know(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    document = classified_json(classifiedId=CLASSIFIED_ID, portals=["SL", "SLX"])
    document["data"]["conditions"] = {"buildState": "SHINY_NEW_STATE"}
    document["data"]["metaData"]["source"]["crmTenant"] = "agency-42"
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}", method="GET").respond_with_json(document)
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}", method="PUT").respond_with_json(
        {"classifiedId": CLASSIFIED_ID}, status=202
    )

    read = unwrap(get_classified.sync_detailed(UUID(CLASSIFIED_ID), client=client))
    assert read.to_dict() == document  # lossless
    body = AvivClassified.from_dict({k: v for k, v in read.to_dict().items() if k != "classifiedId"})
    update_classified.sync_detailed(UUID(CLASSIFIED_ID), client=client, body=body)

    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent["portals"] == ["SL", "SLX"]
    assert sent["data"]["conditions"] == {"buildState": "SHINY_NEW_STATE"}
    assert sent["data"]["metaData"]["source"]["crmTenant"] == "agency-42"


def test_user_built_body_with_an_unknown_enum_value_is_rejected_before_sending(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    body = AvivClassified.from_dict(classified_json())
    body.data.conditions = RealEstateConditions(build_state="SHINY")  # type: ignore[arg-type]

    with pytest.raises(InvalidEnumValueError) as raised:
        create_classified.sync_detailed(client=client, body=body)

    message = str(raised.value)
    assert "'SHINY' is not a valid RealEstateConditionsBuildState" in message
    assert "'FIRST_TIME_USE'" in message
    assert "'WELL_KEPT'" in message
    assert "UnknownEnumValue('SHINY')" in message
    assert isinstance(raised.value, ValueError)
    assert raised.value.allowed[0] == "FIRST_TIME_USE"
    assert httpserver.log == []


def test_unknown_enum_value_in_a_list_and_in_a_query_parameter_is_rejected(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    body = AvivClassified.from_dict(classified_json())
    body.portals = ["SL", "SELOGER"]  # type: ignore[list-item]
    with pytest.raises(InvalidEnumValueError, match="'SELOGER' is not a valid AvivClassifiedPortalsItem"):
        body.to_dict()

    with pytest.raises(InvalidEnumValueError, match="GetClassifiedStatusesFilter"):
        get_classified_statuses.sync_detailed(
            CLASSIFIED_ID,
            client=client,
            filter_="everything",  # type: ignore[arg-type]
        )
    assert httpserver.log == []


def test_an_explicit_unknown_enum_value_is_sent_as_is(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    httpserver.expect_request("/classifieds", method="POST").respond_with_json(
        {"classifiedId": CLASSIFIED_ID}, status=202
    )
    body = AvivClassified.from_dict(classified_json())
    body.portals = ["SL", UnknownEnumValue("SLX")]  # type: ignore[list-item]

    unwrap(create_classified.sync_detailed(client=client, body=body))

    assert json.loads(httpserver.log[0][0].get_data())["portals"] == ["SL", "SLX"]


def test_a_wrongly_typed_enum_member_is_an_unreadable_answer_not_a_kept_value() -> None:
    document = classified_json(classifiedId=CLASSIFIED_ID, portals=[42])

    with pytest.raises(InvalidEnumValueError):
        GetClassifiedResponse200.from_dict(document)


def test_the_log_of_unknown_values_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    from aviv_caas_client.types import UnknownValueLog

    log = UnknownValueLog(limit=3)
    with caplog.at_level(logging.WARNING, logger=READER):
        firsts = [log.first_time("enum", "E", str(n)) for n in range(5)]

    assert firsts == [True, True, True, False, False]
    assert len(log.seen()) == 3
    assert len(reader_warnings(caplog)) == 1  # "further ones are not logged", said once


def test_messages_say_whether_a_value_came_from_an_answer_or_a_body_you_built(
    httpserver: HTTPServer, client: AuthenticatedClient, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}").respond_with_json(
        classified_json(classifiedId=CLASSIFIED_ID, portals=["SL", "XX"], extraMember=1)
    )
    with caplog.at_level(logging.WARNING, logger=READER):
        AvivClassified.from_dict(classified_json(portals=["SL", "XX"], extraMember=1))  # built by hand
        unwrap(get_classified.sync_detailed(UUID(CLASSIFIED_ID), client=client))  # the same, answered

    built_enum, built_field, answer_enum, answer_field = reader_warnings(caplog)
    assert "a body you built (from_dict) holds 'XX'" in built_enum
    assert "aviv_caas_auth.validation.validate(body)" in built_enum
    assert "a body you built (from_dict) has the member 'extraMember'" in built_field
    assert "the answer to GET /classifieds/" in answer_enum
    assert "carried 'XX'" in answer_enum
    assert "the API" not in built_enum
    assert "the answer to GET /classifieds/" in answer_field
    assert unknown_values.seen() == {
        ("enum (built)", "AvivClassifiedPortalsItem", "XX"),
        ("field (built)", "AvivClassified", "extraMember"),
        ("enum", "AvivClassifiedPortalsItem", "XX"),
        ("field", "GetClassifiedResponse200", "extraMember"),
    }
