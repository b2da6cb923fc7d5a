"""RetryPolicy's decisions on their own: which outcome is retried, how long each wait is, when it stops."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aviv_caas_auth import (
    DEFAULT_RETRY,
    CaasCredentials,
    ConfigurationError,
    ManualClock,
    RetryPolicy,
    create_client,
)
from aviv_caas_auth.http.retry import Attempts
from aviv_caas_auth.http.traceparent import TRACE_EXTENSION, new_traceparent, next_span, stamp

URL = "https://api.aviv-group.com/caas/v3/classifieds"


def attempts(method: str = "GET", **policy: Any) -> Attempts:
    policy.setdefault("clock", ManualClock())
    started = RetryPolicy(**policy).start(httpx.Request(method, URL))
    assert started is not None
    return started


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def waits(state: Attempts, outcome: httpx.Response | httpx.TransportError) -> Iterator[float]:
    """The waits asked for when every attempt has this outcome."""
    while True:
        wait = (
            state.after_response(outcome)
            if isinstance(outcome, httpx.Response)
            else state.after_error(outcome)
        )
        if wait is None:
            return
        yield wait


def test_full_jitter_doubles_up_to_the_cap() -> None:
    top = attempts(attempts=6, backoff=0.5, max_wait=3.0, random=lambda: 0.999999)
    assert [round(w, 3) for w in waits(top, answer(503))] == [0.5, 1.0, 2.0, 3.0, 3.0]
    bottom = attempts(attempts=6, random=lambda: 0.0)
    assert list(waits(bottom, answer(503))) == [0.0] * 5


def test_the_default_policy() -> None:
    assert (
        DEFAULT_RETRY.attempts,
        DEFAULT_RETRY.backoff,
        DEFAULT_RETRY.max_wait,
        DEFAULT_RETRY.max_total,
    ) == (
        4,
        0.5,
        30.0,
        60.0,
    )
    assert DEFAULT_RETRY.statuses == {429, 502, 503, 504}
    assert DEFAULT_RETRY.methods == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert len(list(waits(attempts(), answer(status)))) == 3


@pytest.mark.parametrize("status", [200, 202, 400, 401, 403, 404, 412, 500, 501, 520])
def test_other_statuses_are_returned_at_once(status: int) -> None:
    assert list(waits(attempts(), answer(status))) == []


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_retried_only_when_they_never_left(method: str) -> None:
    request = httpx.Request(method, URL)
    assert list(waits(attempts(method), answer(503))) == []
    assert list(waits(attempts(method), answer(429, **{"Retry-After": "1"}))) == []
    assert list(waits(attempts(method), httpx.ReadTimeout("slow", request=request))) == []
    assert list(waits(attempts(method), httpx.RemoteProtocolError("dropped", request=request))) == []
    for never_sent in (
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.PoolTimeout("busy"),
    ):
        assert len(list(waits(attempts(method), never_sent))) == 3


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_methods_are_retried_after_network_failures(method: str) -> None:
    for error in (httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("dropped")):
        assert len(list(waits(attempts(method), error))) == 3


def test_configuration_failures_are_never_retried() -> None:
    assert list(waits(attempts(), httpx.UnsupportedProtocol("ftp"))) == []
    assert list(waits(attempts(), httpx.ProxyError("407"))) == []


def test_retry_after_is_a_lower_bound_in_both_forms() -> None:
    clock = ManualClock(wall=1_800_000_000.0)
    assert (
        list(waits(attempts(clock=clock, random=lambda: 0.5), answer(429, **{"Retry-After": "7"})))
        == [7.0] * 3
    )
    date = "Fri, 15 Jan 2027 08:00:12 GMT"  # wall + 12 s
    assert list(waits(attempts(clock=clock), answer(503, **{"Retry-After": date}))) == [12.0] * 3
    zero = list(waits(attempts(clock=clock, random=lambda: 0.999999), answer(429, **{"Retry-After": "0"})))
    assert [round(w, 3) for w in zero] == [0.5, 1.0, 2.0]  # jitter, since AVIV allows "now"


def test_a_retry_after_beyond_max_wait_ends_the_retries() -> None:
    assert list(waits(attempts(max_wait=30.0), answer(429, **{"Retry-After": "31"}))) == []
    assert list(waits(attempts(max_wait=30.0), answer(429, **{"Retry-After": "30"}))) == [30.0] * 3


def test_total_time_counts_the_attempts_too() -> None:
    clock = ManualClock()
    state = attempts(attempts=100, backoff=1.0, max_total=10.0, clock=clock, random=lambda: 0.999999)
    assert state.after_error(httpx.ConnectError("refused")) is not None
    clock.advance(9.5)  # a slow attempt
    assert state.after_error(httpx.ConnectError("refused")) is None


def test_no_retry_when_the_body_cannot_be_sent_twice() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"{}"

    streamed = httpx.Request("PUT", URL, content=chunks())
    assert RetryPolicy().start(streamed) is None
    assert RetryPolicy(attempts=1).start(httpx.Request("GET", URL)) is None


def test_methods_are_case_insensitive() -> None:
    assert RetryPolicy(methods=["get", "patch"]).methods == {"GET", "PATCH"}
    assert len(list(waits(attempts("PATCH", methods=["patch"]), answer(503)))) == 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": 2.5}, "attempts"),
        ({"attempts": True}, "attempts"),
        ({"backoff": -1}, "backoff"),
        ({"max_wait": float("nan")}, "max_wait"),
        ({"max_total": "60"}, "max_total"),
        ({"statuses": [429, 1000]}, "statuses"),
    ],
)
def test_bad_settings_are_refused_clearly(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RetryPolicy(**settings)


def test_create_client_takes_a_policy_or_none() -> None:
    creds = CaasCredentials("id", "secret", "agency")
    with pytest.raises(ConfigurationError, match="RetryPolicy"):
        create_client(creds, user_agent="MyCRM/1.0", retry=3)  # type: ignore[arg-type]
    create_client(creds, user_agent="MyCRM/1.0", retry=None)


def test_traceparent_shapes() -> None:
    first = new_traceparent()
    assert len(first) == 55
    version, trace, parent, flags = first.split("-")
    assert (version, flags) == ("00", "01")
    assert len(trace) == 32
    assert len(parent) == 16
    assert trace != "0" * 32
    int(trace, 16), int(parent, 16)
    again = next_span(first)
    assert again.split("-")[1] == trace
    assert again.split("-")[2] != parent
    assert again.endswith("-01")
    assert len({new_traceparent().split("-")[1] for _ in range(1000)}) == 1000


def test_stamp_keeps_the_callers_and_renews_its_own() -> None:
    mine = httpx.Request("GET", URL, headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"})
    stamp(mine)
    stamp(mine)
    assert mine.headers["traceparent"] == "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    ours = httpx.Request("GET", URL)
    stamp(ours)
    first = ours.headers["traceparent"]
    stamp(ours)  # a further attempt
    second = ours.headers["traceparent"]
    assert first != second
    assert first[:36] == second[:36]
    assert ours.extensions[TRACE_EXTENSION] == second
