import httpx
import pytest

from aviv_caas_auth.sandbox import PRODUCTION, CaasCredentials, SandboxConfig

from .conftest import api, fetch_token, token_request


def test_one_token_for_many_calls_is_compliant(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        for _ in range(12):
            assert client.get("/classifieds").status_code == 200
    report = caas_sandbox.report()
    assert report.compliant
    assert report.summary() == (
        "1 token request for 12 API calls — compliant (strict, without the 1 h refresh grace: compliant)"
    )
    usage = report.client(caas_sandbox.credentials.client_id, caas_sandbox.credentials.intermediary_id)
    assert (usage.token_requests, usage.api_calls, usage.violations) == (1, 12, ())


def test_a_token_per_call_is_flagged(caas_sandbox):
    for _ in range(12):
        with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
            assert client.get("/classifieds").status_code == 200
    report = caas_sandbox.report()
    assert not report.compliant
    assert report.summary() == (
        "12 token requests for 12 API calls — NOT compliant: 11 tokens requested while a valid one existed "
        "(strict, without the 1 h refresh grace: NOT compliant: 11 tokens requested while a valid one existed)"
    )
    (usage,) = report.clients
    assert len(usage.violations) == 11
    assert all(v.valid_token_seconds_left == 86400 for v in usage.violations)


def test_a_new_token_after_expiry_is_fine(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(expires_in=3600))
    for _ in range(3):
        with api(sandbox, fetch_token(sandbox)) as client:
            assert client.get("/classifieds").status_code == 200
        sandbox.clock.advance(3600)
    assert sandbox.report().summary() == (
        "3 token requests for 3 API calls — compliant (strict, without the 2 min 30 s refresh grace: compliant)"
    )


def test_refresh_grace_allows_early_refresh(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(expires_in=3600, refresh_grace=300))
    fetch_token(sandbox)
    sandbox.clock.advance(3400)
    fetch_token(sandbox)
    assert sandbox.report().compliant
    fetch_token(sandbox)
    assert not sandbox.report().compliant


def test_the_strict_figure_is_printed_beside_the_graced_one(caas_sandbox):
    # The default grace is aviv-caas's own proactive window: the judge should not be tuned to the
    # defendant, so the report also says what a strict reviewer would see.
    fetch_token(caas_sandbox)
    caas_sandbox.clock.advance(86400 - 3600 + 1)
    fetch_token(caas_sandbox)
    report = caas_sandbox.report()
    assert report.compliant
    assert not report.strictly_compliant
    assert report.summary() == (
        "2 token requests for 0 API calls — compliant "
        "(strict, without the 1 h refresh grace: NOT compliant: 1 token requested while a valid one existed)"
    )
    (usage,) = report.clients
    assert usage.violations == ()
    assert [round(e.valid_token_seconds_left) for e in usage.early_refreshes] == [3599]
    served = report.to_dict()["clients"][0]
    assert (served["compliant"], served["strictlyCompliant"], served["refreshGrace"]) == (True, False, 3600)
    assert report.to_dict()["strictlyCompliant"] is False


def test_a_strict_sandbox_prints_one_figure(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(refresh_grace=0))
    fetch_token(sandbox)
    assert sandbox.report().summary() == "1 token request for 0 API calls — compliant"


def test_default_grace_is_the_clients_proactive_window(caas_sandbox):
    # aviv_caas_auth refreshes in the last hour of a 24 h token: that is an early refresh, not a violation.
    fetch_token(caas_sandbox)
    caas_sandbox.clock.advance(86400 - 3600 + 1)
    fetch_token(caas_sandbox)
    assert caas_sandbox.report().compliant
    caas_sandbox.clock.advance(86400 - 3600 - 60)  # an hour and a minute before the second one expires
    fetch_token(caas_sandbox)
    assert not caas_sandbox.report().compliant


def test_keys_and_audiences_are_counted_separately(caas_sandbox):
    creds = caas_sandbox.credentials
    other_agency = CaasCredentials(creds.client_id, creds.client_secret, "agency-2")
    fetch_token(caas_sandbox)
    fetch_token(caas_sandbox, audience=PRODUCTION.audience)
    fetch_token(caas_sandbox, other_agency)
    report = caas_sandbox.report()
    assert report.compliant
    assert [(c.intermediary_id, c.token_requests) for c in report.clients] == [
        ("agency-2", 1),
        (creds.intermediary_id, 2),
    ]
    strict = " (strict, without the 1 h refresh grace: compliant)"
    assert report.summary().splitlines() == [
        f"{creds.client_id} / agency-2: 1 token request for 0 API calls — compliant{strict}",
        f"{creds.client_id} / {creds.intermediary_id}: 2 token requests for 0 API calls — compliant{strict}",
    ]


def test_report_and_clock_over_the_admin_endpoints(caas_sandbox):
    fetch_token(caas_sandbox)
    fetch_token(caas_sandbox)
    served = httpx.get(caas_sandbox.admin_url + "/report").json()
    assert served == caas_sandbox.report().to_dict()
    assert served["compliant"] is False
    assert served["clients"][0]["violations"][0]["audience"] == caas_sandbox.audience
    before = caas_sandbox.clock.monotonic()
    advanced = httpx.post(caas_sandbox.admin_url + "/clock", json={"advance": 90})
    assert advanced.status_code == 200
    assert advanced.json()["now"] == before + 90
    assert httpx.post(caas_sandbox.admin_url + "/clock", json={"advance": -1}).status_code == 400


def test_empty_report():
    from aviv_caas_auth.sandbox import TokenReuseReport

    assert TokenReuseReport(()).summary() == "no token requested yet"


# --- every token request counts: failed ones, and how soon they come after a failure -------------


def test_failed_token_requests_are_counted_shown_and_hammering_is_flagged(caas_sandbox):
    # A CRM retrying a wrong secret in a tight loop (the review's probe): AVIV counts every request.
    wrong = CaasCredentials(
        caas_sandbox.credentials.client_id, "wrong", caas_sandbox.credentials.intermediary_id
    )
    for _ in range(10):
        assert token_request(caas_sandbox, wrong).status_code == 401
    report = caas_sandbox.report()
    assert not report.compliant
    assert report.summary() == (
        "10 token requests (10 failed: 10 with 401) for 0 API calls — NOT compliant: 9 token requests too "
        "soon after a failed one (strict, without the 1 h refresh grace: NOT compliant: 9 token requests "
        "too soon after a failed one)"
    )
    (usage,) = report.clients
    assert (usage.token_requests, usage.tokens_issued, usage.failed_token_requests) == (10, 0, 10)
    assert [v.required for v in usage.backoff_violations] == [1, 2, 4, 8, 16, 32, 60, 60, 60]  # capped
    served = report.to_dict()["clients"][0]
    assert served["failedTokenRequests"] == {"401": 10}
    assert len(served["backoffViolations"]) == 9


def test_a_token_request_before_the_retry_after_of_a_429_is_too_soon(caas_sandbox):
    caas_sandbox.faults.rate_limit("/oauth/token", count=None, retry_after=30)
    assert token_request(caas_sandbox).status_code == 429
    caas_sandbox.clock.advance(10)
    assert token_request(caas_sandbox).status_code == 429  # 10 s after a 429 that asked for 30
    caas_sandbox.clock.advance(30)
    caas_sandbox.faults.clear()
    assert token_request(caas_sandbox).status_code == 200  # waited what it was told
    (usage,) = caas_sandbox.report().clients
    (too_soon,) = usage.backoff_violations
    assert (too_soon.after_status, too_soon.retry_after, too_soon.required) == (429, 30, 30)
    assert 10 <= too_soon.waited < 11
    assert usage.summary.startswith(
        "3 token requests (2 failed: 2 with 429) for 0 API calls — NOT compliant: 1 token request too soon "
        "after a failed one"
    )


def test_requests_that_back_off_are_compliant(caas_sandbox):
    caas_sandbox.faults.server_error("/oauth/token", status=503, count=3)
    for wait in (1, 2, 4):  # 1 s, doubling: what the rule asks after 1, 2, 3 failures in a row
        assert token_request(caas_sandbox).status_code == 503
        caas_sandbox.clock.advance(wait)
    assert token_request(caas_sandbox).status_code == 200
    assert caas_sandbox.report().summary() == (
        "4 token requests (3 failed: 3 with 503) for 0 API calls — compliant "
        "(strict, without the 1 h refresh grace: compliant)"
    )


def test_the_client_s_own_backoff_and_retry_after_are_compliant(caas_sandbox_factory):
    # aviv-caas backs off 1 s doubling and honours Retry-After; one ManualClock drives client and sandbox.
    from aviv_caas_auth import ManualClock, MemoryTokenStore, TokenError, TokenProvider

    clock = ManualClock()
    sandbox = caas_sandbox_factory(clock=clock)
    sandbox.faults.server_error("/oauth/token", status=503, count=3)
    sandbox.faults.rate_limit("/oauth/token", retry_after=5)
    provider = TokenProvider(
        sandbox.credentials,
        user_agent="TestCRM/1.0",
        environment="sandbox",
        token_url=sandbox.token_url,
        token_store=MemoryTokenStore(),
        clock=clock,
    )
    failures = 0
    for _ in range(100):  # a caller asking every half second until it gets a token
        try:
            provider.get_token()
            break
        except TokenError:
            failures += 1
            clock.advance(0.5)
    assert failures > 4  # most were raised from the backoff, without a request
    report = sandbox.report()
    assert report.summary() == (
        "5 token requests (4 failed: 1 with 429, 3 with 503) for 0 API calls — compliant "
        "(strict, without the 1 h refresh grace: compliant)"
    )


def test_a_real_wait_counts_even_on_a_frozen_clock(caas_sandbox_factory):
    import time

    sandbox = caas_sandbox_factory(SandboxConfig(token_backoff=(0.2, 1.0)))
    sandbox.faults.server_error("/oauth/token", status=503)
    assert token_request(sandbox).status_code == 503
    time.sleep(0.25)  # the sandbox's ManualClock stood still; real time did not
    assert token_request(sandbox).status_code == 200
    assert sandbox.report().compliant


def test_a_401_from_the_api_lifts_the_wait(caas_sandbox):
    token = fetch_token(caas_sandbox)
    caas_sandbox.clock.advance(86400 - 1800)  # into the last hour: refreshing early is fine
    caas_sandbox.faults.server_error("/oauth/token", status=503)
    assert token_request(caas_sandbox).status_code == 503  # the refresh failed; the token still works
    caas_sandbox.faults.unauthorized("/classifieds")
    with api(caas_sandbox, token) as client:
        assert client.get("/classifieds").status_code == 401  # ... until the API rejects it
    fetch_token(caas_sandbox)  # at once: a rejected token is a new reason to ask
    report = caas_sandbox.report()
    assert report.compliant
    (usage,) = report.clients
    assert (usage.token_requests, usage.failures, usage.backoff_violations) == (3, ((503, 1),), ())


def test_token_requests_naming_no_client_are_counted_apart(caas_sandbox):
    assert httpx.post(caas_sandbox.token_url, content=b"client_id=x").status_code == 400
    report = caas_sandbox.report()
    assert report.clients == ()
    assert report.unattributed_token_requests == 1
    assert report.summary() == "1 token request naming no client_id (refused, not judged)"


def test_token_backoff_is_checked():
    from aviv_caas_auth.sandbox import SandboxError

    for bad in ((2.0, 1.0), (-1.0, 5.0)):
        with pytest.raises(SandboxError, match=r"token_backoff is \(first, most\) seconds"):
            SandboxConfig(token_backoff=bad)
