"""parse_status_callback: a callback body as a typed ClassifiedStatus, or a clear error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aviv_caas_auth.webhooks import WebhookPayloadError, parse_status_callback
from aviv_caas_client.models import ClassifiedStatus
from aviv_caas_client.types import UnknownEnumValue
from tests.webhooks.test_receivers import CALLBACK_BODY


@pytest.mark.parametrize(
    "form", [json.dumps(CALLBACK_BODY).encode(), json.dumps(CALLBACK_BODY), CALLBACK_BODY]
)
def test_bytes_text_or_json(form: Any) -> None:
    status = parse_status_callback(form)
    assert isinstance(status, ClassifiedStatus)
    assert (status.status, status.portals, status.status_date.year) == ("CREATED", ["SL"], 2025)


def test_a_new_portal_is_kept() -> None:
    status = parse_status_callback({**CALLBACK_BODY, "portals": ["SL", "NEWPORTAL"]})
    assert isinstance(status.portals[1], UnknownEnumValue)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{oops", "must be JSON"),
        (b"\xff\xfe", "must be JSON"),
        (b"[1, 2]", "must be a JSON object, not list"),
        (b"[" * 60000, "nested a few levels, not thousands"),  # RecursionError while decoding
        (b'{"a":' * 20000, "nested a few levels, not thousands"),
        ({"status": "CREATED"}, "missing member 'portals'"),
        ({**CALLBACK_BODY, "statusDate": "yesterday"}, "not a ClassifiedStatus"),
    ],
)
def test_what_is_not_a_status_is_refused_clearly(body: Any, message: str) -> None:
    with pytest.raises(WebhookPayloadError, match=message) as raised:
        parse_status_callback(body)
    assert isinstance(raised.value, ValueError)


def test_a_v4_callback_carries_typed_media_statuses() -> None:
    from aviv_caas_client_v4.models import ClassifiedStatus as ClassifiedStatusV4

    media = [{"url": "https://media.acme-agency.fr/1.jpg", "status": "DOWNLOADING_FAILED"}]
    body = {**CALLBACK_BODY, "status": "CREATED_WITH_MEDIA_ERROR", "mediaStatuses": media}
    status = parse_status_callback(body, api="v4")
    assert isinstance(status, ClassifiedStatusV4)
    assert status.status == "CREATED_WITH_MEDIA_ERROR"
    assert [(m.url, m.status) for m in status.media_statuses] == [(media[0]["url"], "DOWNLOADING_FAILED")]
    # v3's model does not know them: it keeps them as unknown members
    v3 = parse_status_callback(body)
    assert isinstance(v3, ClassifiedStatus)
    assert isinstance(v3.status, UnknownEnumValue)
    assert v3.additional_properties["mediaStatuses"] == media


def test_an_unknown_version_is_refused() -> None:
    from aviv_caas_auth import ConfigurationError

    with pytest.raises(ConfigurationError, match="api must be 'v3' or 'v4', not 'v9'"):
        parse_status_callback(CALLBACK_BODY, api="v9")  # type: ignore[arg-type]
