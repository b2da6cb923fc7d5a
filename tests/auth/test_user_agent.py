"""User-Agent: full values are validated against the spec's pattern, short ones completed."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from aviv_caas_auth import ConfigurationError, TokenProvider, create_client
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


@pytest.mark.parametrize(
    ("system", "release", "version", "expected"),
    [
        ("Windows NT", "10 build/19045", "0.1.0 dev", "aviv-caas/0.1.0-dev Windows-NT/10-build-19045"),
        # Not header-safe (review defect 4): the platform's strings are spelled in ASCII, never refused.
        ("Windows\u00a0NT", "10.0-ñ\x00\x7f日本", "0.1.0+é", "aviv-caas/0.1.0+e Windows-NT/10.0-n"),
        ("日本", "6.1", "0.1.0", "aviv-caas/0.1.0 unknown/6.1"),
    ],
    ids=["slash_and_spaces", "not_ascii_and_controls", "nothing_ascii"],
)
def test_forbidden_characters_are_replaced(
    monkeypatch: pytest.MonkeyPatch, system: str, release: str, version: str, expected: str
) -> None:
    monkeypatch.setattr("platform.system", lambda: system)
    monkeypatch.setattr("platform.release", lambda: release)
    value = resolve_user_agent("MyCRM/2.4.1", tool_version=version)
    assert value == f"MyCRM/2.4.1 {expected}"
    assert re.fullmatch(USER_AGENT_PATTERN, value)
    value.encode("ascii")  # header-safe


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


# -- header-safe: what the pattern lets through but no HTTP header can carry (review defect 4) --------


@pytest.mark.parametrize(
    ("value", "shown", "spelled"),
    [
        (
            "LogicielImmobilière/3.2",
            "'è', which is not ASCII (U+00E8 at position 16)",
            "LogicielImmobiliere/3.2",
        ),
        ("Agence€/1 tool/2 Linux/6", "U+20AC", "Agence/1 tool/2 Linux/6"),
        ("Ünïcödé/2", "U+00DC at position 0", "Unicode/2"),
        ("日本/1", "U+65E5", "MyCRM/2.4.1"),
        ("MyCRM\x00/1", "a control character (U+0000 at position 5)", "MyCRM/1"),
        ("MyCRM/1\x7f", "a control character (U+007F", "MyCRM/1"),
        ("MyCRM/1\ttool/2 os/3", "a control character (U+0009", "MyCRM/1 tool/2 os/3"),
        ("MyCRM/1\u2003tool/2 os/3", "U+2003", "MyCRM/1 tool/2 os/3"),
    ],
    ids=["accent", "euro", "accents", "cjk", "nul", "del", "tab", "em_space"],
)
def test_a_value_no_header_can_carry_is_refused_with_an_ascii_spelling(
    value: str, shown: str, spelled: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_user_agent(value, tool_version="0.1.0")
    message = str(caught.value)
    assert shown in message
    assert f"user_agent={spelled!r}" in message
    assert "ASCII" in message


@pytest.mark.parametrize("token_provider", [False, True])
def test_refused_when_the_client_is_built(token_provider: bool) -> None:
    """Not at the first call, with a raw UnicodeEncodeError from deep inside httpx."""
    credentials = CaasCredentials("id", "secret", "agency")
    options: dict[str, TokenProvider] = {}
    if token_provider:
        options["token_provider"] = TokenProvider(credentials, user_agent="MyCRM/1.0")
    with pytest.raises(ConfigurationError, match=r"LogicielImmobiliere/3\.2"):
        create_client(credentials, user_agent="LogicielImmobilière/3.2", **options)
    with pytest.raises(ConfigurationError, match=r"LogicielImmobiliere/3\.2"):
        TokenProvider(credentials, user_agent="LogicielImmobilière/3.2")
