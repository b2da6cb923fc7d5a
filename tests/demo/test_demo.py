"""`make demo` runs the whole client against the embedded sandbox and reports compliant token reuse."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aviv_caas_auth import CaasCredentials
from scripts import demo
from scripts.paths import REPO_ROOT


def test_demo_runs_offline_and_is_compliant() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVIV_")}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.demo"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in (
        "create classified (sync)",
        "poll statuses until CREATED",
        "read it with its ETag",
        "update the price with If-Match",
        "attach a media (async)",
        "list classifieds, 1 per page",
        "delete them (async)",
    ):
        assert step in out
    assert "RECEIVED -> CREATING -> CREATED" in out
    assert out.count("traceparent 00-") == 8
    assert "token requests made by this process: 1" in out
    assert "token-reuse report: 1 token request for 15 API calls — compliant" in out


def test_demo_targets_avivs_sandbox_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVIV_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("AVIV_CLIENT_ID", "my-client")
    monkeypatch.setenv("AVIV_CLIENT_SECRET", "my-secret")
    monkeypatch.setenv("AVIV_INTERMEDIARY_ID", "my-agency")
    with demo.target() as (where, make_client, _report, _timeout):
        client = make_client()  # built, not called: no network in tests
        assert "AVIV's sandbox" in where
        assert str(client.get_httpx_client().base_url) == "https://api.aviv-group.com/sandbox/caas/v3/"


def test_demo_body_is_a_valid_typed_request() -> None:
    body = demo.apartment("ref-1", price=1).to_dict()
    assert body["data"]["location"]["city"] == "Paris"
    assert body["data"]["prices"]["buy"]["price"]["amount"] == 1
    assert isinstance(CaasCredentials("a", "b", "c"), CaasCredentials)
