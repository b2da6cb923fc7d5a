"""Secrets and tokens never appear in logs (DEBUG, all loggers), reprs or exception texts."""

from __future__ import annotations

import asyncio
import logging

import pytest

from aviv_caas_auth import CaasAuth, CaasCredentials, MemoryTokenStore, TokenError, token_provider_of
from aviv_caas_client.api.classifieds import get_classifieds
from tests.auth.fake_aviv import TRACEPARENT, FakeAviv, json_response
from tests.auth.helpers import client_for


def test_nothing_secret_in_debug_logs_or_reprs(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    aviv.rejected.add(aviv.issued[0])
    get_classifieds.sync(client=client)  # 401, refresh, replay
    asyncio.run(get_classifieds.asyncio(client=client))
    provider = token_provider_of(client)
    token = provider.get_token()
    texts = [
        caplog.text,
        repr(credentials),
        str(credentials),
        repr(client),
        repr(provider),
        repr(CaasAuth(provider)),
        repr(token),
        str(token),
        repr(store),
    ]
    secrets = [credentials.client_secret, *aviv.issued]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "fetched AVIV access token" in caplog.text  # INFO with expiry, not the value
    assert "expires in 86400 s" in caplog.text
    assert f"traceparent={TRACEPARENT}" in caplog.text  # each response's traceparent at DEBUG


def test_nothing_secret_in_failure_logs(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    aviv.token_overrides.append(
        json_response(401, {"error": "invalid_client", "error_description": credentials.client_secret})
    )
    with pytest.raises(TokenError) as caught:
        get_classifieds.sync(client=client_for(aviv, credentials, token_store=store))
    assert credentials.client_secret not in caplog.text
    assert credentials.client_secret not in repr(caught.value)
