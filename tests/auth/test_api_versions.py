"""create_client(api="v3" | "v4"): audience and base URL follow (api, environment) from each pinned document.

The URLs are the pinned documents' ``servers`` (read here from AVIV's documents themselves, so a
re-pinned document with other URLs changes them without a code edit); the one token URL serves
every version. A v3 and a v4 client with the same credentials use two tokens (two audiences), each
reused for its lifetime: counted by the local sandbox's token endpoint.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from aviv_caas_auth import (
    CaasCredentials,
    ConfigurationError,
    MemoryTokenStore,
    TokenProvider,
    create_client,
    endpoints_for,
    token_provider_of,
    unwrap,
)
from aviv_caas_auth.apis import DEFAULT_API, PACKAGES, base_urls
from aviv_caas_auth.environments import TOKEN_URL
from aviv_caas_auth.sandbox import ManualClock, Sandbox
from aviv_caas_auth.workflows.endpoints import endpoints_of
from scripts.paths import ApiPaths, api_versions
from scripts.pin import SpecPin
from tests.sandbox.conftest import UA as SANDBOX_UA
from tests.sandbox.conftest import version_client

# The report's summary also states the strict figure (no refresh grace).
STRICTLY = " (strict, without the 1 h refresh grace: compliant)"

UA = "TestCRM/1.0"
CREDENTIALS = CaasCredentials("client-1", "secret-1", "agency-1")


def pinned_servers(api: str) -> dict[str, str]:
    """AVIV's own document for ``api`` (sha256 verified): its servers, by environment."""
    _, raw = SpecPin.load(api).read_verified()
    servers = json.loads(raw)["servers"]
    by_environment = {("sandbox" if "/sandbox/" in s["url"] else "production"): s["url"] for s in servers}
    assert len(by_environment) == len(servers) == 2
    return by_environment


def test_every_pinned_version_has_its_package() -> None:
    assert tuple(PACKAGES) == api_versions()
    assert {api: ApiPaths(api).package_name for api in api_versions()} == dict(PACKAGES)


@pytest.mark.parametrize("environment", ["production", "sandbox"])
@pytest.mark.parametrize("api", api_versions())
def test_audience_and_base_url_are_the_pinned_documents_servers(api: Any, environment: Any) -> None:
    url = pinned_servers(api)[environment]
    client = create_client(CREDENTIALS, api=api, environment=environment, user_agent=UA)
    provider = token_provider_of(client)
    assert type(client).__module__ == f"{PACKAGES[api]}.client"
    assert str(client.get_httpx_client().base_url) == url + "/"
    assert provider.key.audience == provider.endpoints.audience == url == base_urls(api)[environment]
    assert provider.endpoints.token_url == TOKEN_URL  # one token endpoint for every version
    assert endpoints_for(environment, api=api) == provider.endpoints


def test_the_issues_urls_for_v4() -> None:
    """The acceptance figures of issue 11, for the pinned v4.0.2 (the test above derives them)."""
    sandbox = create_client(CREDENTIALS, api="v4", environment="sandbox", user_agent=UA)
    production = create_client(CREDENTIALS, api="v4", environment="production", user_agent=UA)
    assert str(sandbox.get_httpx_client().base_url) == "https://api.aviv-group.com/sandbox/caas/v4/"
    assert str(production.get_httpx_client().base_url) == "https://api.aviv-group.com/caas/v4/"
    assert token_provider_of(sandbox).key.audience == "https://api.aviv-group.com/sandbox/caas/v4"


def test_v3_stays_the_default() -> None:
    client = create_client(CREDENTIALS, environment="sandbox", user_agent=UA)
    assert type(client).__module__ == "aviv_caas_client.client"
    assert token_provider_of(client).key.audience == base_urls(DEFAULT_API)["sandbox"]


def test_an_unknown_version_says_which_exist() -> None:
    with pytest.raises(ConfigurationError, match="api must be 'v3' or 'v4', not 'v5'"):
        create_client(CREDENTIALS, api="v5", user_agent=UA)  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="api must be 'v3' or 'v4'"):
        TokenProvider(CREDENTIALS, api="4", user_agent=UA)  # type: ignore[arg-type]


def test_a_token_provider_of_one_version_cannot_serve_the_other() -> None:
    v3 = TokenProvider(CREDENTIALS, environment="sandbox", user_agent=UA)
    with pytest.raises(
        ConfigurationError, match=r"audience https://api\.aviv-group\.com/sandbox/caas/v3, not .*/v4"
    ):
        create_client(CREDENTIALS, api="v4", environment="sandbox", user_agent=UA, token_provider=v3)


def test_v3_and_v4_keys_differ_only_by_audience() -> None:
    v3 = TokenProvider(CREDENTIALS, environment="sandbox", user_agent=UA)
    v4 = TokenProvider(CREDENTIALS, api="v4", environment="sandbox", user_agent=UA)
    assert v3.key != v4.key
    assert (v3.key.client_id, v3.key.intermediary_id, v3.key.token_url) == (
        v4.key.client_id,
        v4.key.intermediary_id,
        v4.key.token_url,
    )
    assert v3.api == "v3"
    assert v4.api == "v4"


# --- against the local sandbox: two audiences, two tokens, each reused -------------------------------


def issued_audiences(sandbox: Sandbox) -> list[str]:
    """The audience of every token request the sandbox answered with a token, in order."""
    issued = [
        sandbox.app.issuer.lookup(json.loads(e.body)["access_token"])
        for e in sandbox.exchanges()
        if e.kind == "token" and e.status == 200
    ]
    return [token.audience for token in issued if token is not None]


def test_ten_v3_calls_and_ten_v4_calls_make_exactly_two_token_requests() -> None:
    """Issue 11: 10 calls on a v3 client and 10 on a v4 client, same credentials -> 2 token requests."""
    with Sandbox.start(clock=ManualClock()) as sandbox:
        store = MemoryTokenStore()
        v3, v4 = (version_client(sandbox, api, token_store=store) for api in ("v3", "v4"))
        for client in (v3, v4):
            list_them = endpoints_of(client).module("get_classifieds")
            for _ in range(10):
                assert unwrap(list_them.sync_detailed(client=client)).items == []

        assert issued_audiences(sandbox) == [
            "https://api.aviv-group.com/sandbox/caas/v3",
            "https://api.aviv-group.com/sandbox/caas/v4",
        ]
        assert [e.api for e in sandbox.exchanges() if e.kind == "api"] == ["v3"] * 10 + ["v4"] * 10
        assert token_provider_of(v3).token_requests == token_provider_of(v4).token_requests == 1
        report = sandbox.report()
        assert report.summary() == "2 token requests for 20 API calls — compliant" + STRICTLY
        assert sandbox.report(api="v3").summary() == "1 token request for 10 API calls — compliant" + STRICTLY
        assert sandbox.report(api="v4").summary() == "1 token request for 10 API calls — compliant" + STRICTLY
        assert sandbox.internal_errors() == []


def test_async_clients_of_both_versions_share_nothing_but_the_rules() -> None:
    with Sandbox.start(clock=ManualClock()) as sandbox:
        v3, v4 = (version_client(sandbox, api) for api in ("v3", "v4"))

        async def calls(client: Any) -> None:
            list_them = endpoints_of(client).module("get_classifieds")
            try:
                await asyncio.gather(*(list_them.asyncio_detailed(client=client) for _ in range(10)))
            finally:
                await client.get_async_httpx_client().aclose()

        async def both() -> None:
            await asyncio.gather(calls(v3), calls(v4))

        asyncio.run(both())
        assert sorted(issued_audiences(sandbox)) == [base_urls("v3")["sandbox"], base_urls("v4")["sandbox"]]
        assert sandbox.report().summary() == "2 token requests for 20 API calls — compliant" + STRICTLY


def test_a_token_of_one_version_is_refused_by_the_other() -> None:
    """The sandbox checks tokens per audience, as AVIV does: a token is for one version."""
    with Sandbox.start(clock=ManualClock()) as sandbox:
        tokens = {api: token_provider_of(version_client(sandbox, api)).get_token().value for api in PACKAGES}
        for api, other in (("v3", "v4"), ("v4", "v3")):

            def listed_with(token: str, api: str = api) -> httpx.Response:
                headers = {"Authorization": f"Bearer {token}", "User-Agent": SANDBOX_UA}
                return httpx.get(sandbox.base_url_for("sandbox", api=api) + "/classifieds", headers=headers)

            refused = listed_with(tokens[other])
            assert refused.status_code == 401
            assert f"this token is for audience {base_urls(other)['sandbox']}" in refused.json()["detail"]
            assert listed_with(tokens[api]).status_code == 200
        assert sandbox.internal_errors() == []
