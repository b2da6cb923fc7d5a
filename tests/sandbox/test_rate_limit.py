"""The sandbox's optional rate limit per client id: 429 with Retry-After and AVIV's problem body beyond it.

Requests are sent back to back on one kept-alive connection, a few more than the limit: the
window (one second) is far longer than they take, so the counts are exact.
"""

from __future__ import annotations

import re
import signal

import httpx
import pytest

from aviv_caas_auth.sandbox import CaasCredentials, SandboxConfig, SandboxError
from aviv_caas_auth.sandbox.__main__ import parse_args

from .conftest import UA, api, fetch_token, read_banner, start_cli

CLIENTS = {"crm-a": "secret-of-crm-a", "crm-b": "secret-of-crm-b"}


def credentials(client_id: str, intermediary_id: str = "agency-1") -> CaasCredentials:
    return CaasCredentials(client_id, CLIENTS[client_id], intermediary_id)


def test_beyond_the_limit_the_api_answers_429_with_retry_after_and_a_problem(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients=CLIENTS, rate_limit=3))
    with api(sandbox, fetch_token(sandbox, credentials("crm-a"))) as client:
        statuses = [client.get("/classifieds").status_code for _ in range(5)]
        refused = client.get("/classifieds")
    assert statuses == [200, 200, 200, 429, 429]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Content-Type"].startswith("application/json+problem")
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["title"] == "Too Many Requests"
    assert problem["instance"] == refused.headers["traceparent"]
    assert sandbox.rate_limits() == {"perSecond": 3, "clients": {"crm-a": {"accepted": 3, "refused": 3}}}
    refusals = sandbox.rate_limit_refusals()  # each 429 with when it was answered and its Retry-After
    assert [(r.client_id, str(r.retry_after)) for r in refusals][-1] == (
        "crm-a",
        refused.headers["Retry-After"],
    )
    assert len(refusals) == 3
    assert [r.at for r in refusals] == sorted(r.at for r in refusals)


def test_the_limit_is_per_client_id_across_agencies_and_api_versions(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients=CLIENTS, rate_limit=4))
    v4_audience = sandbox.audience_for("sandbox", api="v4")
    v4_base = sandbox.base_url_for("sandbox", api="v4")
    token_1 = fetch_token(sandbox, credentials("crm-a", "agency-1"))
    token_2 = fetch_token(sandbox, credentials("crm-a", "agency-2"))
    token_v4 = fetch_token(sandbox, credentials("crm-a", "agency-1"), audience=v4_audience)
    other = fetch_token(sandbox, credentials("crm-b"))
    with api(sandbox, token_1) as one, api(sandbox, token_2) as two, api(sandbox, token_v4, v4_base) as v4:
        statuses = [c.get("/classifieds").status_code for c in (one, two, v4, one, two, v4)]
    with api(sandbox, other) as b:
        other_statuses = [b.get("/classifieds").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert other_statuses == [200, 200, 200, 200]  # another client id has its own window
    assert sandbox.rate_limits()["clients"] == {
        "crm-a": {"accepted": 4, "refused": 2},
        "crm-b": {"accepted": 4, "refused": 0},
    }


def test_token_requests_are_not_limited(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients=CLIENTS, rate_limit=1))
    tokens = [fetch_token(sandbox, credentials("crm-a", f"agency-{n}")) for n in range(3)]
    assert len(set(tokens)) == 3
    with api(sandbox, tokens[0]) as client:
        assert client.get("/classifieds").status_code == 200
    assert sandbox.rate_limits()["clients"] == {"crm-a": {"accepted": 1, "refused": 0}}


def test_without_a_limit_nothing_is_refused_and_requests_are_counted(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients=CLIENTS))
    with api(sandbox, fetch_token(sandbox, credentials("crm-a"))) as client:
        assert {client.get("/classifieds").status_code for _ in range(12)} == {200}
    assert sandbox.rate_limits() == {"perSecond": None, "clients": {"crm-a": {"accepted": 12, "refused": 0}}}
    assert sandbox.describe()["rateLimit"] is None


def test_the_admin_endpoint_reports_the_counts(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients=CLIENTS, rate_limit=2))
    with api(sandbox, fetch_token(sandbox, credentials("crm-b"))) as client:
        for _ in range(3):
            client.get("/classifieds")
    answer = httpx.get(sandbox.admin_url + "/rate-limit")
    assert answer.json() == {"perSecond": 2, "clients": {"crm-b": {"accepted": 2, "refused": 1}}}


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "10"])
def test_a_bad_rate_limit_is_refused_saying_what_it_takes(value):
    with pytest.raises(SandboxError, match="whole number of requests per second"):
        SandboxConfig(rate_limit=value)


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "ten", "²"])
def test_the_cli_refuses_a_bad_rate_limit(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--rate-limit", value])
    assert exit_.value.code == 2
    assert "a rate limit is a whole number of requests per second" in capsys.readouterr().err


def test_the_server_cli_limits_and_reports_refusals():
    process = start_cli("--rate-limit", "2", "--quiet")
    try:
        banner = read_banner(process)
        assert "rate limit:" in banner
        assert "2 API requests per second per client id" in banner
        token_url = re.search(r"token URL:\s+(\S+)", banner).group(1)
        base_url = re.search(r"v3 sandbox base URL:\s*(\S+)", banner).group(1)
        admin_url = re.search(r"admin:\s+(\S+)/report", banner).group(1)
        creds = {
            k: re.search(rf"{k}=(\S+)", banner).group(1)
            for k in ("client_id", "client_secret", "intermediary_id")
        }
        answer = httpx.post(
            token_url,
            json={
                **creds,
                "grant_type": "client_credentials",
                "audience": "https://api.aviv-group.com/sandbox/caas/v3",
            },
        )
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}", "User-Agent": UA}
        with httpx.Client(base_url=base_url, headers=headers) as client:
            statuses = [client.get("/classifieds").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        counts = httpx.get(admin_url + "/rate-limit").json()
        assert counts == {"perSecond": 2, "clients": {creds["client_id"]: {"accepted": 2, "refused": 1}}}
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"rate limit: 1 requests answered 429 ({{'{creds['client_id']}': 1}})" in out
