"""The agency-sync task's body and settings, in process: reports, retries and their countdowns, typed slips."""

from __future__ import annotations

from typing import Any

import pytest

from aviv_caas_auth import ConfigurationError
from aviv_caas_auth.budget import RateBudgetTimeoutError
from aviv_caas_auth.celery import PerProcess, RetryLater, SyncSettings, retry_wait, sync_agency
from aviv_caas_auth.problems.errors import RateLimitedError, ServerError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from tests.budget.conftest import redis_server, redis_server_process, redis_url  # noqa: F401 - fixtures

FEEDS: dict[str, list[dict[str, Any]]] = {}


def load(intermediary_id: str, feed_ref: str | None) -> list[dict[str, Any]]:
    if feed_ref == "broken":
        raise OSError("export not found")
    return FEEDS[intermediary_id]


def credentials(intermediary_id: str) -> Any:
    return DEMO_CREDENTIALS.for_intermediary(intermediary_id)


def listing(ref: str) -> dict[str, Any]:
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = ref
    return body


@pytest.fixture
def resources(caas_sandbox: Sandbox, redis_url: str) -> Any:  # noqa: F811
    settings = SyncSettings(
        feed_loader="tests.celery.test_body:load",  # by dotted path, as a worker resolves it
        credentials=credentials,
        redis_url=redis_url,
        rate=100,
        user_agent="TestCRM/1.0",
        environment="sandbox",
        # one attempt per request: the transport would otherwise wait out a 429's Retry-After itself
        client_options={
            "base_url": caas_sandbox.base_url,
            "token_url": caas_sandbox.token_url,
            "retry": None,
        },
        apply_options={"wait": False},
    )
    per_process = PerProcess(settings)
    yield per_process.get()
    per_process.close()


def test_a_run_reports_json_and_a_second_run_sends_nothing(caas_sandbox: Sandbox, resources: Any) -> None:
    FEEDS["agency-b1"] = [listing("B1-0"), listing("B1-1")]
    first = sync_agency(resources, "agency-b1", "today")
    assert first["ok"]
    assert first["counts"] == {
        "created": 2,
        "updated": 0,
        "withdrawn": 0,
        "unchanged": 0,
        "kept": 0,
        "failed": 0,
    }
    assert first["sent"] == {"created": 2, "updated": 0, "withdrawn": 0}
    again = sync_agency(resources, "agency-b1", "today", attempt=1, sent=first["sent"])
    assert again["counts"] is not None
    assert again["counts"]["unchanged"] == 2
    assert again["sent"] == first["sent"]
    assert again["attempts"] == 2
    import json

    assert json.loads(json.dumps(again)) == again


def test_a_feed_that_cannot_be_loaded_is_a_failed_report_not_a_retry(resources: Any) -> None:
    report = sync_agency(resources, "agency-b2", "broken")
    assert not report["ok"]
    assert report["error"] == "the feed loader failed: OSError: export not found"


def test_a_429_on_the_plan_asks_for_a_retry_after_its_retry_after(
    caas_sandbox: Sandbox, resources: Any
) -> None:
    FEEDS["agency-b3"] = [listing("B3-0")]
    caas_sandbox.faults.rate_limit("/classifieds", method="GET", count=None, retry_after=30)
    with pytest.raises(RetryLater) as raised:
        sync_agency(resources, "agency-b3", None)
    assert isinstance(raised.value.cause, RateLimitedError | RateBudgetTimeoutError)
    assert 30 <= raised.value.countdown <= 33


def test_retry_waits_honour_what_was_asked_and_back_off_otherwise() -> None:
    assert 12 <= retry_wait(RateLimitedError(retry_after=12, status=429), 0, 600) <= 13.2
    budget = RateBudgetTimeoutError("full", key="c", waited=0, needed=4)
    assert 4 <= retry_wait(budget, 5, 600) <= 4.4
    assert all(0 <= retry_wait(ServerError(status=503), attempt, 600) <= 2**attempt for attempt in range(6))
    assert retry_wait(ServerError(status=503), 20, 600) <= 600


def test_settings_say_what_is_wrong() -> None:
    with pytest.raises(ConfigurationError, match="feed_loader must be a function or its dotted path"):
        SyncSettings(feed_loader=3, redis_url="redis://r", rate=1, user_agent="X/1")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="client_options cannot set credentials"):
        SyncSettings(
            feed_loader=load,
            redis_url="redis://r",
            rate=1,
            user_agent="X/1",
            client_options={"credentials": 1},
        )
    settings = SyncSettings(
        feed_loader="tests.celery.test_body:nowhere", redis_url="redis://:pw@r", rate=1, user_agent="X/1"
    )
    with pytest.raises(ConfigurationError, match="cannot import"):
        settings.load_feed("a", None)
    assert "pw" not in repr(settings)


def eager_sync(caas_sandbox: Sandbox, redis_url: str, max_retries: int) -> Any:  # noqa: F811
    """An AgencySync on an eager Celery app (tasks run in this process; retries too, without their countdown)."""
    from celery import Celery

    from aviv_caas_auth.celery import AgencySync

    app = Celery("eager-test")
    app.conf.update(task_always_eager=True)
    settings = SyncSettings(
        feed_loader=load,
        credentials=credentials,
        redis_url=redis_url,
        rate=100,
        user_agent="TestCRM/1.0",
        environment="sandbox",
        client_options={
            "base_url": caas_sandbox.base_url,
            "token_url": caas_sandbox.token_url,
            "retry": None,
        },
        apply_options={"wait": False},
        max_retries=max_retries,
        budget_options={"default_pause": 0.01},
    )
    return AgencySync(app, settings, namespace=f"eager{max_retries}")


def test_the_task_retries_a_429_and_then_reports(caas_sandbox: Sandbox, redis_url: str) -> None:  # noqa: F811
    FEEDS["agency-e1"] = [listing("E1-0"), listing("E1-1")]
    caas_sandbox.faults.rate_limit("/classifieds", method="GET", count=2)  # the plan's list, twice
    agencies = eager_sync(caas_sandbox, redis_url, max_retries=3)
    report = agencies.sync_agency.delay("agency-e1", "today").get()
    assert report["ok"]
    assert report["attempts"] == 3  # two retries, then the run that synced
    assert report["counts"]["created"] == 2


def test_after_its_retries_the_task_returns_a_failed_report_instead_of_raising(
    caas_sandbox: Sandbox,
    redis_url: str,  # noqa: F811
) -> None:
    FEEDS["agency-e2"] = [listing("E2-0")]
    caas_sandbox.faults.rate_limit("/classifieds", method="GET", count=None)
    agencies = eager_sync(caas_sandbox, redis_url, max_retries=1)
    fleet = agencies.sync_agencies({"agency-e2": None}).get()
    (report,) = fleet["reports"]
    assert not report["ok"]
    assert report["error"].startswith("gave up after 1 retries: RateLimitedError")
    assert fleet["failedAgencies"] == ["agency-e2"]
    assert report["attempts"] == 2
