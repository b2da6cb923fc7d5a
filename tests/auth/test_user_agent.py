"""User-Agent: full values are validated against the spec's pattern, short ones completed."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from aviv_caas_auth import ConfigurationError, create_client
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.http.user_agent import USER_AGENT_PATTERN, resolve_user_agent


def test_pattern_is_the_specs() -> None:
    spec = json.loads((resources.files("aviv_caas_client") / "openapi.json").read_text())
    assert spec["components"]["parameters"]["userAgentHeader"]["schema"]["pattern"] == USER_AGENT_PATTERN


def test_short_value_is_completed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "Linux")
    monkeypatch.setattr("platform.release", lambda: "6.1.0-18-amd64")
    assert (
        resolve_user_agent("MyCRM/2.4.1", tool_version="0.1.0")
        == "MyCRM/2.4.1 aviv-caas/0.1.0 Linux/6.1.0-18-amd64"
    )
    assert (
        resolve_user_agent("MyCRM/2.4.1 mytool/3", tool_version="0.1.0")
        == "MyCRM/2.4.1 mytool/3 Linux/6.1.0-18-amd64"
    )


def test_forbidden_characters_are_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "Windows NT")
    monkeypatch.setattr("platform.release", lambda: "10 build/19045")
    value = resolve_user_agent("MyCRM/2.4.1", tool_version="0.1.0 dev")
    assert value == "MyCRM/2.4.1 aviv-caas/0.1.0-dev Windows-NT/10-build-19045"
    assert re.fullmatch(USER_AGENT_PATTERN, value)


def test_empty_platform_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "")
    monkeypatch.setattr("platform.release", lambda: " / ")
    assert resolve_user_agent("MyCRM/1", tool_version="0.1.0").endswith(" unknown/unknown")


def test_full_compliant_value_is_kept() -> None:
    value = "MyAwesomeSoft/1.0.0 curl/7.52.1 debian/9~1.gbpf8534c"  # the spec's own example
    assert resolve_user_agent(value, tool_version="0.1.0") == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "MyCRM",
        "MyCRM/",
        "My CRM/2.4.1",
        "MyCRM/2.4.1  tool/1 os/2",
        "a/b c/d e/f g/h",
        "MyCRM/2.4/1 tool/1 os/1",
        "python-httpx/0.28.1 x",
    ],
)
def test_invalid_values_quote_the_form_and_an_example(value: str) -> None:
    with pytest.raises(ValueError, match=r"<crm-software-name>/<crm-software-version>") as caught:
        resolve_user_agent(value, tool_version="0.1.0")
    assert isinstance(caught.value, ConfigurationError)
    assert "MyCRM/2.4.1 aviv-caas/0.1.0 Linux/6.1.0" in str(caught.value)


def test_validated_when_the_client_is_built() -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        create_client(CaasCredentials("id", "secret", "agency"), user_agent="MyCRM")
