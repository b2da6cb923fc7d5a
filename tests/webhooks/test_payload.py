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
        ({"status": "CREATED"}, "missing member 'portals'"),
        ({**CALLBACK_BODY, "statusDate": "yesterday"}, "not a ClassifiedStatus"),
    ],
)
def test_what_is_not_a_status_is_refused_clearly(body: Any, message: str) -> None:
    with pytest.raises(WebhookPayloadError, match=message) as raised:
        parse_status_callback(body)
    assert isinstance(raised.value, ValueError)
