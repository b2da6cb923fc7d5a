"""`make demo` runs the whole client against the embedded sandbox and reports compliant token reuse."""

from __future__ import annotations

import os
import re
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
        "publish: created (sync)",
        "its statuses until CREATED",
        "publish again: updated (If-Match)",
        "read it with its ETag",
        "attach a media (async)",
        "publish_many: two more",
        "iter_classifieds, 1 per page",
        "delete them (async)",
    ):
        assert step in out
    assert "RECEIVED -> CREATING -> CREATED" in out
    assert "845000 -> 829000 EUR, UPDATED" in out
    assert 'ETag "2", price 829000 EUR' in out
    assert "created CREATED, created CREATED" in out
    assert "3 listed, ours 3/3" in out
    assert out.count("traceparent 00-") == 4  # the single calls; workflow steps make several
    assert "token requests made by this process: 1" in out
    assert re.search(r"token-reuse report: 1 token request for \d+ API calls — compliant", out)


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
