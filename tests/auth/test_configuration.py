"""Credentials, environments, transport security and timeouts: clear errors for bad input."""

from __future__ import annotations

import httpx
import pytest

from aviv_caas_auth import (
    DEFAULT_TIMEOUT,
    CaasCredentials,
    ConfigurationError,
    CredentialsError,
    InsecureTransportError,
    TokenProvider,
    create_client,
    endpoints_for,
)

UA = "TestCRM/1.0"


def test_from_env_names_every_missing_variable() -> None:
    with pytest.raises(CredentialsError) as caught:
        CaasCredentials.from_env({"AVIV_CLIENT_SECRET": "x"})
    message = str(caught.value)
    assert "AVIV_CLIENT_ID" in message
    assert "AVIV_INTERMEDIARY_ID" in message
    assert "AVIV_CLIENT_SECRET" not in message.split("missing environment variable(s):")[1].split(".")[0]


def test_from_env_reads_all_three() -> None:
    creds = CaasCredentials.from_env(
        {"AVIV_CLIENT_ID": "id", "AVIV_CLIENT_SECRET": "top-secret-value", "AVIV_INTERMEDIARY_ID": "agency"}
    )
    assert (creds.client_id, creds.client_secret, creds.intermediary_id) == (
        "id",
        "top-secret-value",
        "agency",
    )
    assert "top-secret-value" not in repr(creds)
    assert "top-secret-value" not in str(creds)
    assert "top-secret-value" not in creds.secret_digest


def test_from_env_uses_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVIV_CLIENT_ID", "id")
    monkeypatch.setenv("AVIV_CLIENT_SECRET", "s")
    monkeypatch.delenv("AVIV_INTERMEDIARY_ID", raising=False)
    with pytest.raises(CredentialsError, match="AVIV_INTERMEDIARY_ID"):
        CaasCredentials.from_env()


@pytest.mark.parametrize("bad", ["", " padded ", "line\n"])
def test_credentials_reject_blank_or_padded_values(bad: str) -> None:
    with pytest.raises(CredentialsError, match="client_secret"):
        CaasCredentials("id", bad, "agency")


def test_environment_sets_audience_and_base_url_together() -> None:
    production = endpoints_for("production")
    sandbox = endpoints_for("sandbox")
    assert production.audience == production.base_url == "https://api.aviv-group.com/caas/v3"
    assert sandbox.audience == sandbox.base_url == "https://api.aviv-group.com/sandbox/caas/v3"
    assert production.token_url == sandbox.token_url == "https://auth.api.aviv-group.com/oauth/token"
    proxied = endpoints_for("sandbox", base_url="https://proxy.example/caas/")
    assert proxied.audience == sandbox.audience
    assert proxied.base_url == "https://proxy.example/caas"
    with pytest.raises(ConfigurationError, match="'production' or 'sandbox'"):
        endpoints_for("staging")  # type: ignore[arg-type]


def test_create_client_defaults() -> None:
    client = create_client(CaasCredentials("id", "secret", "agency"), environment="sandbox", user_agent=UA)
    httpx_client = client.get_httpx_client()
    assert str(httpx_client.base_url) == "https://api.aviv-group.com/sandbox/caas/v3/"
    assert httpx_client.timeout == DEFAULT_TIMEOUT  # the generated client alone has no timeouts
    assert httpx_client.timeout.read == 30.0
    assert client.get_async_httpx_client().timeout == DEFAULT_TIMEOUT
    assert httpx_client.headers["User-Agent"].startswith("TestCRM/1.0 aviv-caas/")


def test_timeout_keyword() -> None:
    client = create_client(CaasCredentials("id", "secret", "agency"), user_agent=UA, timeout=5)
    assert client.get_httpx_client().timeout == httpx.Timeout(5)


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"base_url": "http://api.example.com/caas/v3"}, "base_url"),
        ({"token_url": "http://auth.example.com/oauth/token"}, "token_url"),
        ({"base_url": "ftp://127.0.0.1/x"}, "base_url"),
    ],
)
def test_plain_http_only_to_loopback(kwargs: dict[str, str], what: str) -> None:
    with pytest.raises(InsecureTransportError, match=what):
        create_client(CaasCredentials("id", "secret", "agency"), user_agent=UA, **kwargs)


@pytest.mark.parametrize(
    "url",
    [
        "http://name.localhost:8080",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://[::ffff:8.8.8.8]",
    ],
)
@pytest.mark.parametrize("what", ["base_url", "token_url"])
def test_names_that_a_resolver_could_send_elsewhere_are_not_trusted(url: str, what: str) -> None:
    # Only loopback addresses and "localhost" itself are trusted with plain http, never a name under it.
    with pytest.raises(InsecureTransportError, match=what):
        create_client(CaasCredentials("id", "secret", "agency"), user_agent=UA, **{what: url + "/x"})  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_loopback_http_is_accepted(host: str) -> None:
    create_client(
        CaasCredentials("id", "secret", "agency"),
        user_agent=UA,
        base_url=f"http://{host}:8080/caas/v3",
        token_url=f"http://{host}:8080/oauth/token",
    )


def test_managed_headers_cannot_be_overridden() -> None:
    creds = CaasCredentials("id", "secret", "agency")
    with pytest.raises(ConfigurationError, match="user_agent"):
        create_client(creds, user_agent=UA, headers={"User-Agent": "curl/8"})
    with pytest.raises(ConfigurationError, match="auth"):
        create_client(creds, user_agent=UA, httpx_args={"auth": httpx.BasicAuth("a", "b")})


def test_token_provider_must_match_the_environment() -> None:
    creds = CaasCredentials("id", "secret", "agency")
    provider = TokenProvider(creds, user_agent=UA, environment="production")
    with pytest.raises(ConfigurationError, match="audience"):
        create_client(creds, user_agent=UA, environment="sandbox", token_provider=provider)
