"""Issue 19, items 2 and 3: mistyped callback members and malformed Content-Length are 400s, never 201 or a crash.

The apps are called in-process (a WSGI environ, an ASGI scope): a real server may refuse some of
these headers itself, and what is checked here is the app's own answer to whatever reaches it.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aviv_caas_auth.webhooks import WebhookPayloadError, asgi_app, parse_status_callback, wsgi_app
from tests.webhooks.test_receivers import CALLBACK_BODY, ID, SECRET

PATH = f"/{SECRET}/classifieds/{ID}/statuses"
BODY = json.dumps(CALLBACK_BODY).encode()


def call_wsgi(content_length: str | None, body: bytes = BODY) -> tuple[int, list[Any]]:
    """The status the WSGI app answers, and what its handler got."""
    got: list[Any] = []
    app = wsgi_app(lambda status, classified_id: got.append(status), secret=SECRET)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": PATH,
        "wsgi.input": io.BytesIO(body),
    }
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    started: list[str] = []
    app(environ, lambda status, headers, exc_info=None: started.append(status))  # type: ignore[arg-type,misc,return-value]
    return int(started[0].split()[0]), got


def call_asgi(content_length: bytes | None, body: bytes = BODY) -> tuple[int, list[Any]]:
    """The status the ASGI app answers, and what its handler got."""
    got: list[Any] = []
    app = asgi_app(lambda status, classified_id: got.append(status), secret=SECRET)
    headers = [(b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", content_length))
    scope = {"type": "http", "method": "POST", "path": PATH, "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"]), got


# -- item 3: Content-Length ----------------------------------------------------------------------

MALFORMED_LENGTHS = [
    "²",  # a Unicode digit: str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads 12
    "+5",
    "-1",
    "5 5",
    "1_0",
    "0x10",
    "5,5",
    "5.0",
]


@pytest.mark.parametrize("length", MALFORMED_LENGTHS)
def test_a_malformed_content_length_is_a_400_in_wsgi(length: str) -> None:
    assert call_wsgi(length) == (400, [])


@pytest.mark.parametrize("length", MALFORMED_LENGTHS)
def test_a_malformed_content_length_is_a_400_in_asgi(length: str) -> None:
    assert call_asgi(length.encode("utf-8")) == (400, [])


def test_a_content_length_too_long_for_int_is_too_large_not_a_crash() -> None:
    huge = "9" * 5000  # int() refuses strings this long (a ValueError)
    assert call_wsgi(huge) == (413, [])
    assert call_asgi(huge.encode()) == (413, [])


def test_well_formed_lengths_still_work() -> None:
    assert call_wsgi(str(len(BODY)))[0] == 201
    assert call_wsgi(f" 000{len(BODY)} ")[0] == 201  # leading zeros and blanks are still a number
    assert call_asgi(str(len(BODY)).encode())[0] == 201
    assert call_asgi(None)[0] == 201  # ASGI bodies are framed by the server


# -- item 2: mistyped members --------------------------------------------------------------------

MISTYPED = [
    {"message": 42},
    {"message": None},
    {"message": ["a"]},
    {"portals": "SL"},  # a string is iterable: it used to become ['S', 'L']
    {"portals": [1]},
    {"portals": {"SL": True}},
    {"status": 1},
    {"status": ["CREATED"]},
    {"subStatusDetails": {"a": 1}},
    {"subStatusDetails": 3.5},
    {"subStatus": 7},
    {"statusDate": 1_700_000_000},
]


@pytest.mark.parametrize("change", MISTYPED, ids=lambda change: json.dumps(change))
@pytest.mark.parametrize("api", ["v3", "v4"])
def test_a_mistyped_member_is_refused(change: dict[str, Any], api: str) -> None:
    (name,) = change
    with pytest.raises(WebhookPayloadError, match=name) as raised:
        parse_status_callback({**CALLBACK_BODY, **change}, api=api)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError)


def test_nan_and_infinity_are_not_json() -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = BODY.replace(b'"The classified has been created on the portals"', constant.encode())
        with pytest.raises(WebhookPayloadError, match=constant):
            parse_status_callback(body)
    with pytest.raises(WebhookPayloadError, match="message"):
        parse_status_callback({**CALLBACK_BODY, "message": math.nan})  # parsed already: its type is wrong


def test_v4_media_statuses_are_type_checked_too() -> None:
    good = [{"url": "https://media.acme-agency.fr/1.jpg", "status": "CREATED"}]
    assert parse_status_callback({**CALLBACK_BODY, "mediaStatuses": good}, api="v4").media_statuses
    for bad in ("CREATED", [{"url": 1, "status": "CREATED"}], ["https://media.acme-agency.fr/1.jpg"]):
        with pytest.raises(WebhookPayloadError, match="mediaStatuses"):
            parse_status_callback({**CALLBACK_BODY, "mediaStatuses": bad}, api="v4")


def test_a_mistyped_member_is_a_400_in_both_receivers() -> None:
    body = json.dumps({**CALLBACK_BODY, "message": 42}).encode()
    assert call_wsgi(str(len(body)), body) == (400, [])
    assert call_asgi(str(len(body)).encode(), body) == (400, [])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
MEMBER_TYPES = {  # what each member of a ClassifiedStatus must hold
    "portals": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "status": lambda v: isinstance(v, str),
    "message": lambda v: isinstance(v, str),
    "statusDate": lambda v: isinstance(v, str),
    "subStatus": lambda v: isinstance(v, str),
    "subStatusDetails": lambda v: isinstance(v, str),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(member=st.sampled_from(sorted(MEMBER_TYPES)), value=JSON_VALUES)
def test_any_json_value_of_the_wrong_type_is_refused_and_the_right_type_accepted(
    member: str, value: Any
) -> None:
    body = {**CALLBACK_BODY, member: value}
    if not MEMBER_TYPES[member](value):
        with pytest.raises(WebhookPayloadError, match=member):
            parse_status_callback(body)
        return
    try:
        status = parse_status_callback(body)  # a string may still be a malformed date: refused, clearly
    except WebhookPayloadError:
        assert member == "statusDate"
        return
    if member != "statusDate":
        assert status.to_dict()[member] == value
