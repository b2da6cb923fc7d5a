"""No token or secret ever reaches an error's message, repr or snippet, even when the server echoes it."""

from __future__ import annotations

import json
import pickle

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import ApiError, UnauthorizedError, unwrap
from aviv_caas_auth.http.redaction import redact, snippet
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified, get_classifieds
from tests.problems.conftest import CLASSIFIED_ID, USER_AGENT

JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJjcm0tY2xpZW50IiwiYXVkIjoiaHR0cHM6Ly9hcGkuYXZpdi1ncm91cC5jb20vY2Fhcy92MyJ9"
    ".c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
)
OPAQUE = "opaque-Token_0123456789abcdef"
CLIENT_SECRET = "cs-very-secret-value-42"


@pytest.fixture(params=[JWT, OPAQUE], ids=["jwt", "opaque"])
def token(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def everything_said(error: ApiError) -> str:
    said = [str(error), repr(error), *map(str, error.args), getattr(error, "snippet", "")]
    said.append(str(pickle.loads(pickle.dumps(error))))
    return "\n".join(said)


def test_echoed_token_is_masked_in_a_problem(httpserver: HTTPServer, token: str) -> None:
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}").respond_with_json(
        {
            "type": "about:blank",
            "title": "Unauthorized",
            "detail": f"Invalid token {token} (Authorization: Bearer {token})",
            "status": 401,
        },
        status=401,
    )
    client = AuthenticatedClient(
        base_url=httpserver.url_for("/"), token=token, headers={"User-Agent": USER_AGENT}
    )

    with pytest.raises(UnauthorizedError) as raised:
        unwrap(get_classified.sync_detailed(CLASSIFIED_ID, client=client))  # type: ignore[arg-type]

    said = everything_said(raised.value)
    assert token not in said
    assert token[:12] not in said
    assert "Invalid token ***" in str(raised.value)
    # The server did get the token: masking is about what we say, not what we send.
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {token}"


def test_echoed_secrets_are_masked_in_an_unreadable_answer(httpserver: HTTPServer, token: str) -> None:
    page = (
        "<html><body><pre>"
        + f"Authorization: Bearer {token}\n"
        + json.dumps({"client_id": "crm", "client_secret": CLIENT_SECRET, "access_token": token})
        + f"\ntoken={token}&password=hunter2-hunter2</pre></body></html>"
    )
    httpserver.expect_request("/classifieds").respond_with_data(page, status=502, content_type="text/html")
    client = AuthenticatedClient(
        base_url=httpserver.url_for("/"), token=token, headers={"User-Agent": USER_AGENT}
    )

    with pytest.raises(ApiError) as raised:
        unwrap(get_classifieds.sync_detailed(client=client))

    said = everything_said(raised.value)
    for secret in (token, CLIENT_SECRET, "hunter2-hunter2"):
        assert secret not in said
    assert '"client_secret": "***"' in raised.value.snippet
    assert '"client_id": "crm"' in raised.value.snippet  # only credentials are masked


def test_a_secret_straddling_the_snippet_end_is_masked_whole() -> None:
    body = ("x" * 190 + OPAQUE + "y" * 500).encode()

    shown = snippet(body, secrets=[OPAQUE])

    assert OPAQUE[:8] not in shown
    assert shown.startswith("x" * 190 + "***")
    assert len(shown) <= 200


def test_short_secrets_are_not_masked_by_value() -> None:
    # A one-letter token must not turn every "t" of a message into ***.
    assert redact("the title", secrets=["t"]) == "the title"
