from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import CaasCredentials, ManualClock, MemoryTokenStore, RefreshPolicy
from tests.auth.fake_aviv import FakeAviv


@pytest.fixture
def aviv(threaded_server: HTTPServer) -> Iterator[FakeAviv]:
    threaded_server.clear()
    fake = FakeAviv(threaded_server)
    yield fake
    if fake.token_gate is not None:
        fake.token_gate.set()
    threaded_server.clear()


@pytest.fixture
def credentials() -> CaasCredentials:
    # Long random values, so a leak would be found by a plain substring search.
    return CaasCredentials(f"client-{uuid.uuid4().hex[:8]}", f"s3cr3t-{uuid.uuid4().hex}", "agency-42")


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def policy() -> RefreshPolicy:
    """No jitter: the proactive window is exactly the last hour of 24 h, the mandatory one the last 5 min."""
    return RefreshPolicy(jitter=0.0)
