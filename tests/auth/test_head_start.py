"""The coroutine that starts a refresh thread gives it a head start: bounded, and ended by the request sent.

Issue 21: an event loop busy with a thousand coroutines kept the interpreter lock while the refresh
thread connected and sent the token request, and each of the thread's socket calls waited up to
the 5 ms switch interval to get it back. The starter now blocks (``Flight.give_head_start``) until
httpcore reports the request sent, or the flight lands, ``HEAD_START`` at most. These tests pin
the two ends and the bound, each under a hang deadline: a head start that did not end would
freeze the event loop.
"""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest

from aviv_caas_auth import CaasCredentials, TokenProvider
from aviv_caas_auth.tokens import flight
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import provider_for
from tests.deadline import HANG, finishes

TOKEN = {"access_token": "tok-" + "h" * 60, "expires_in": 86400, "token_type": "Bearer"}


def test_the_head_start_ends_when_httpcore_reports_the_request_sent(
    aviv: FakeAviv, provider: TokenProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flight, "HEAD_START", 4 * HANG)  # ended by anything but the trace: a hang
    aviv.token_gate = gate = threading.Event()  # the answer waits for the loop's other coroutine

    async def both() -> str:
        starter = asyncio.ensure_future(provider.aget_token())
        await asyncio.to_thread(aviv.token_entered.wait, HANG)
        gate.set()
        return (await starter).value

    token = finishes(lambda: asyncio.run(both()), what="a refresh whose request was sent")
    assert token == aviv.issued[0]
    assert aviv.token_count == 1


def test_on_a_transport_that_does_not_report_it_the_head_start_ends_when_the_token_lands(
    credentials: CaasCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flight, "HEAD_START", 4 * HANG)
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=TOKEN)

    provider = TokenProvider(
        credentials,
        user_agent="TestCRM/1.0.0",
        token_url="https://auth.example.test/oauth/token",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    token = finishes(lambda: asyncio.run(provider.aget_token()), what="a refresh on a mock transport")
    assert token.value == TOKEN["access_token"]
    assert len(requests) == 1


class _HeldTransport(httpx.BaseTransport):
    """A sync token transport that says nothing of sending, and answers once ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.released_in_time = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.released_in_time = self.release.wait(HANG)
        return httpx.Response(
            200, content=json.dumps(TOKEN).encode(), headers={"Content-Type": "application/json"}
        )


def test_the_head_start_is_bounded_the_loop_runs_on_while_the_request_is_held(
    credentials: CaasCredentials,
) -> None:
    transport = _HeldTransport()
    provider = TokenProvider(
        credentials,
        user_agent="TestCRM/1.0.0",
        token_url="https://auth.example.test/oauth/token",
        httpx_args={"transport": transport},
    )

    async def both() -> str:
        starter = asyncio.ensure_future(provider.aget_token())
        await asyncio.sleep(0)  # the starter's first step: it starts the thread and gives it a head start
        transport.release.set()  # only a loop that runs on can get here
        return (await starter).value

    token = finishes(lambda: asyncio.run(both()), what="a refresh held by its transport")
    assert token == TOKEN["access_token"]
    assert transport.released_in_time  # the loop released it, not the transport's own timeout


@pytest.fixture
def provider(aviv: FakeAviv, credentials: CaasCredentials) -> TokenProvider:
    return provider_for(aviv, credentials)
