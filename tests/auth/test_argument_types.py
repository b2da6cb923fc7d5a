"""Issue 19, item 13: every ``create_client`` argument of the wrong type is refused at once, saying what to pass.

``create_client(timeout="30")`` used to be accepted and fail with a raw TypeError at the first
call; so did many of its neighbours. Each is now a ConfigurationError from ``create_client``
itself, naming the argument and what it takes.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from aviv_caas_auth import (
    CaasCredentials,
    ConfigurationError,
    ManualClock,
    MemoryTokenStore,
    RefreshPolicy,
    TokenProvider,
    create_client,
)

UA = "TestCRM/1.0"
CREDENTIALS = CaasCredentials("id", "secret", "agency")

WRONG = [
    ("timeout", "30", "timeout must be"),
    ("timeout", True, "timeout must be"),
    ("timeout", -1, "timeout must be"),
    ("timeout", float("nan"), "timeout must be"),
    ("timeout", (5, 10), "timeout must be"),
    ("token_store", "/tmp/tokens", "token_store must be"),
    ("base_url", 5, "base_url must be"),
    ("base_url", b"https://api.example", "base_url must be"),
    ("token_url", ["https://auth.example/oauth/token"], "token_url must be"),
    ("headers", {"X-Agency": 1}, r"headers\['X-Agency'\] must be a str"),
    ("headers", "X-Agency: 1", "headers must be"),
    ("httpx_args", ["transport"], "httpx_args must be"),
    ("verify_ssl", 1, "verify_ssl must be"),
    ("verify_ssl", "/no/such/ca-bundle.pem", "verify_ssl"),
    ("follow_redirects", "yes", "follow_redirects must be"),
    ("raise_on_unexpected_status", "no", "raise_on_unexpected_status must be"),
    ("clock", 5, "clock must be"),
    ("clock", ManualClock, "clock must be .* instance"),
    ("refresh_policy", {"jitter": 0}, "refresh_policy must be"),
    ("token_provider", "provider", "token_provider must be"),
    ("validate_requests", "yes", "validate_requests must be"),
]


@pytest.mark.parametrize(("name", "value", "message"), WRONG, ids=lambda v: repr(v)[:30])
def test_a_wrong_argument_is_refused_by_create_client(name: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_client(CREDENTIALS, user_agent=UA, **{name: value})


def test_the_timeout_message_says_what_to_pass() -> None:
    with pytest.raises(ConfigurationError) as raised:
        create_client(CREDENTIALS, user_agent=UA, timeout="30")  # type: ignore[arg-type]
    message = str(raised.value)
    assert "'30'" in message
    assert "timeout=30" in message
    assert "httpx.Timeout" in message


def test_the_token_provider_refuses_a_wrong_timeout_too() -> None:
    with pytest.raises(ConfigurationError, match="timeout must be"):
        TokenProvider(CREDENTIALS, user_agent=UA, timeout="30")  # type: ignore[arg-type]


def test_right_arguments_are_all_accepted(tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    for settings in (
        {"timeout": 30},
        {"timeout": 2.5},
        {"timeout": None},
        {"timeout": httpx.Timeout(5, connect=2)},
        {"token_store": MemoryTokenStore()},
        {"headers": {"X-Agency": "1"}},
        {"httpx_args": {"http2": False}},
        {"verify_ssl": False},
        {"verify_ssl": ssl.create_default_context()},
        {"verify_ssl": str(bundle)},
        {"follow_redirects": True, "raise_on_unexpected_status": True, "validate_requests": False},
        {"clock": ManualClock()},
        {"refresh_policy": RefreshPolicy()},
        {"token_provider": TokenProvider(CREDENTIALS, user_agent=UA)},
    ):
        create_client(CREDENTIALS, user_agent=UA, **settings)  # type: ignore[arg-type]
