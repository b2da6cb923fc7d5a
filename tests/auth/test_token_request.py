"""The token request is exactly what AVIV documents, and the token is sent on API calls."""

from __future__ import annotations

import re

from aviv_caas_auth import CaasCredentials, MemoryTokenStore
from aviv_caas_auth.http.user_agent import USER_AGENT_PATTERN
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import client_for


def test_token_request_body_and_headers(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, environment="sandbox", token_store=store)
    page = get_classifieds.sync(client=client, limit=50)
    assert isinstance(page, GetClassifiedsResponse200)
    assert aviv.token_requests == [
        {
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "grant_type": "client_credentials",
            "audience": "https://api.aviv-group.com/sandbox/caas/v3",
            "intermediary_id": "agency-42",
        }
    ]
    headers = {k.lower(): v for k, v in aviv.token_headers[0].items()}
    assert headers["content-type"] == "application/json"
    assert re.fullmatch(USER_AGENT_PATTERN, headers["user-agent"])
    assert headers["user-agent"].startswith("TestCRM/1.0.0 aviv-caas/")
    assert "authorization" not in headers


def test_production_audience(aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore) -> None:
    client = client_for(aviv, credentials, environment="production", token_store=store)
    assert isinstance(get_classifieds.sync(client=client), GetClassifiedsResponse200)
    assert aviv.token_requests[0]["audience"] == "https://api.aviv-group.com/caas/v3"


def test_api_calls_carry_bearer_and_user_agent(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    assert aviv.api_authorizations == [f"Bearer {aviv.issued[0]}"]
    assert aviv.api_user_agents[0] == aviv.token_headers[0]["User-Agent"]
