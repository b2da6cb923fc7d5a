"""v4's media errors in the workflows: a final success with a warning, or MediaProcessingError on demand."""

from __future__ import annotations

import asyncio
import logging
import pickle
from typing import Any

import pytest

from aviv_caas_auth import CaasError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_pictures
from aviv_caas_auth.workflows import (
    MediaFailure,
    MediaProcessingError,
    PollPolicy,
    PublishResult,
    publish,
    publish_many,
    wait_for_status,
)
from aviv_caas_auth.workflows.wait_for_status import state_of
from tests.workflows.conftest import api_calls, classified

BROKEN = "https://photos.acme-agency.invalid/ref-1/cuisine.jpg"
V4 = pytest.mark.parametrize("api", ["v4"])  # media inside the classified exist in v4 only


def with_media(offerer_estate_id: str, *urls: str) -> dict[str, Any]:
    body = classified(offerer_estate_id)
    body["media"] = [{"url": url, "mediaType": "PICTURE"} for url in urls]
    return body


@pytest.mark.parametrize("status", ["CREATED_WITH_MEDIA_ERROR", "UPDATED_WITH_MEDIA_ERROR"])
def test_media_errors_end_processing(status: str) -> None:
    assert state_of(status) == "done"


@V4
def test_a_classified_published_without_a_media_is_a_success_with_a_warning(
    client: Any, sandbox: Sandbox, poll: PollPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    good = paris_apartment_pictures()[0]["url"]
    with caplog.at_level(logging.WARNING, logger="aviv_caas_auth"):
        result = publish.sync(client, with_media("CRM-M1", good, BROKEN), poll=poll)

    assert result.status is not None
    assert result.status.status == "CREATED_WITH_MEDIA_ERROR"
    assert [(m.url, m.status) for m in result.media_statuses] == [
        (good, "CREATED"),
        (BROKEN, "DOWNLOADING_FAILED"),
    ]
    assert result.media_failures == (MediaFailure(BROKEN, "DOWNLOADING_FAILED"),)
    assert result.media_failures[0].needs_customer_care
    (warning,) = [r for r in caplog.records if r.name == "aviv_caas_auth"]
    assert warning.levelno == logging.WARNING
    assert str(result.classified_id) in warning.getMessage()
    assert BROKEN in warning.getMessage()
    assert "customer care" in warning.getMessage()


@V4
def test_media_errors_raise_on_demand(client: Any, sandbox: Sandbox, poll: PollPolicy) -> None:
    with pytest.raises(MediaProcessingError) as raised:
        publish.sync(client, with_media("CRM-M2", BROKEN), poll=poll, media_errors="raise")

    error = raised.value
    assert isinstance(error, CaasError)
    assert error.status.status == "CREATED_WITH_MEDIA_ERROR"
    assert error.failures == (MediaFailure(BROKEN, "DOWNLOADING_FAILED"),)
    assert f"classified {error.classified_id} was published without some of its media" in str(error)
    assert BROKEN in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.classified_id, copy.failures, str(copy)) == (error.classified_id, error.failures, str(error))
    # the classified is there (published without the media): waiting again gives the same verdict
    with pytest.raises(MediaProcessingError):
        asyncio.run(wait_for_status.asyncio(client, error.classified_id, poll=poll, media_errors="raise"))
    status = wait_for_status.sync(client, error.classified_id, poll=poll)
    assert status.status == "CREATED_WITH_MEDIA_ERROR"


@V4
def test_publish_many_reports_media_errors_per_item(client: Any, sandbox: Sandbox, poll: PollPolicy) -> None:
    good = paris_apartment_pictures()[0]["url"]
    outcomes = publish_many.sync(
        client, [with_media("CRM-M3", good), with_media("CRM-M4", BROKEN)], poll=poll, media_errors="raise"
    )
    assert isinstance(outcomes[0], PublishResult)
    assert outcomes[0].media_failures == ()
    assert isinstance(outcomes[1], MediaProcessingError)
    assert outcomes[1].failures[0].url == BROKEN


@pytest.mark.parametrize("api", ["v3"])
def test_v3_statuses_have_no_media_statuses(client: Any, sandbox: Sandbox, poll: PollPolicy) -> None:
    result = publish.sync(client, classified("CRM-M5"), poll=poll, media_errors="raise")
    assert result.status is not None
    assert result.status.status == "CREATED"
    assert result.media_statuses == ()
    assert result.media_failures == ()


def test_a_wrong_media_errors_choice_is_refused_before_any_request(client: Any, sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="media_errors must be 'warn' or 'raise', not 'ignore'"):
        publish.sync(client, classified("CRM-M6"), media_errors="ignore")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="media_errors must be"):
        publish_many.sync(client, [classified("CRM-M6")], media_errors="ignore")  # type: ignore[call-overload]
    assert api_calls(sandbox) == []
    assert publish.sync(client, classified("CRM-M6"), wait=False).action == "created"
