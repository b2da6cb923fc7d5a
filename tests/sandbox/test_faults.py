from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from aviv_caas_auth.sandbox import Fault, SandboxError

from .conftest import api, create, fetch_token, token_request


@pytest.fixture
def client(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        yield client


def test_rate_limit_hits_exactly_the_next_n_matching_requests(caas_sandbox, client):
    fault = caas_sandbox.faults.rate_limit("/classifieds", method="GET", count=2, retry_after=30)
    assert client.post("/classifieds", json={}).status_code == 400  # POST does not match
    first, second, third = (client.get("/classifieds") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["retry-after"] == "30"
    assert first.json()["status"] == 429
    assert fault.hits == 2
    assert caas_sandbox.faults.active() == []


def test_rate_limit_with_an_http_date(caas_sandbox, client):
    caas_sandbox.faults.rate_limit(retry_after=120, http_date=True)
    response = client.get("/classifieds")
    assert response.status_code == 429
    retry_at = parsedate_to_datetime(response.headers["retry-after"])
    now = datetime.fromtimestamp(caas_sandbox.clock.time(), UTC)
    assert retry_at == (now + timedelta(seconds=120)).replace(microsecond=0)


def test_path_patterns_match_one_segment_per_star(caas_sandbox, client):
    classified_id = create(client)
    caas_sandbox.faults.server_error("/classifieds/*", method="GET", count=None, status=503)
    assert client.get("/classifieds").status_code == 200
    assert client.get(f"/classifieds/{classified_id}/statuses").status_code == 200
    unavailable = client.get(f"/classifieds/{classified_id}")
    assert unavailable.status_code == 503
    assert unavailable.json()["title"] == "Internal Server Error"
    assert client.get(f"/classifieds/{classified_id}").status_code == 503
    caas_sandbox.faults.clear()
    assert client.get(f"/classifieds/{classified_id}").status_code == 200


def test_server_error_defaults_to_500(caas_sandbox, client):
    caas_sandbox.faults.server_error()
    response = client.get("/classifieds")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json+problem"


def test_gateway_html_page(caas_sandbox, client):
    caas_sandbox.faults.gateway_html("/classifieds", method="POST")
    response = client.post("/classifieds", json={})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text
    assert response.headers["traceparent"]


def test_slow_answer_trips_a_client_timeout(caas_sandbox):
    fault = caas_sandbox.faults.slow(30.0, "/classifieds")
    with (
        api(caas_sandbox, fetch_token(caas_sandbox), timeout=0.2) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("/classifieds")
    assert fault.hits == 1


def test_slow_answer_is_then_a_normal_answer(caas_sandbox, client):
    fault = caas_sandbox.faults.slow(0.01)
    assert client.get("/classifieds").status_code == 200
    assert fault.hits == 1
    assert caas_sandbox.exchanges()[-1].fault == "slow"


def test_forced_401_and_the_report_accepts_the_refetch(caas_sandbox, client):
    caas_sandbox.faults.unauthorized("/classifieds")
    rejected = client.get("/classifieds")
    assert rejected.status_code == 401
    assert "fault knob" in rejected.json()["detail"]
    fresh = fetch_token(caas_sandbox)
    with api(caas_sandbox, fresh) as again:
        assert again.get("/classifieds").status_code == 200
    report = caas_sandbox.report()
    assert report.compliant
    assert report.clients[0].token_requests == 2


def test_token_endpoint_faults(caas_sandbox):
    caas_sandbox.faults.rate_limit("/oauth/token", retry_after=5)
    caas_sandbox.faults.unauthorized("/oauth/token")
    caas_sandbox.faults.gateway_html("/oauth/token")
    caas_sandbox.faults.server_error("/oauth/token", status=503)
    limited = token_request(caas_sandbox)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "5"
    assert limited.json()["error"] == "too_many_requests"
    denied = token_request(caas_sandbox)
    assert (denied.status_code, denied.json()["error"]) == (401, "access_denied")
    assert token_request(caas_sandbox).status_code == 502
    assert token_request(caas_sandbox).status_code == 503
    assert token_request(caas_sandbox).status_code == 200
    (usage,) = caas_sandbox.report().clients
    assert (usage.token_requests, usage.tokens_issued) == (5, 1)  # every token request counts
    assert usage.failures == ((401, 1), (429, 1), (502, 1), (503, 1))
    # sent back to back on a frozen clock: each after the first came before the failure's wait
    assert [(v.after_status, v.required) for v in usage.backoff_violations] == [
        (429, 5.0),  # its Retry-After
        (401, 2.0),  # the backoff: 1 s, doubling
        (502, 4.0),
        (503, 8.0),
    ]
    assert not usage.compliant


def test_api_faults_do_not_touch_the_token_endpoint(caas_sandbox):
    caas_sandbox.faults.server_error("/classifieds", count=None)
    assert token_request(caas_sandbox).status_code == 200


def test_faults_over_the_admin_endpoint(caas_sandbox, client):
    admin = caas_sandbox.admin_url
    created = httpx.post(
        f"{admin}/faults",
        json={"kind": "rate_limit", "method": "GET", "path": "/classifieds", "count": 2, "retryAfter": 7},
    )
    assert created.status_code == 201
    assert created.json()["retryAfter"] == 7
    assert [f["kind"] for f in httpx.get(f"{admin}/faults").json()["faults"]] == ["rate_limit"]
    assert client.get("/classifieds").headers["retry-after"] == "7"
    assert httpx.delete(f"{admin}/faults").json() == {"faults": []}
    assert client.get("/classifieds").status_code == 200
    bad = httpx.post(f"{admin}/faults", json={"kind": "meteor", "count": 0})
    assert bad.status_code == 400
    assert "kind" in bad.json()["error"]
    assert "count" in bad.json()["error"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "meteor"},
        {"kind": "slow", "count": 0},
        {"kind": "server_error", "status": 404},
        {"kind": "slow", "path": "classifieds"},
    ],
)
def test_invalid_fault_knobs_are_refused(kwargs):
    with pytest.raises(SandboxError):
        Fault(**kwargs)
