"""Fixtures for the problem/tolerant-reader suite: the generated client against a loopback server.

Tests marked ``fault_case`` are counted, and the count is printed at the end of the run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.types import unknown_values

USER_AGENT = "TestCRM/1.0 pytest/8 linux/6"
CLASSIFIED_ID = "5c597a63-6932-4b0c-a2a0-2fd935be1755"
OFFERER_ESTATE_ID = "ref-1-example"

# The smallest classified the schema accepts (all required members, nothing else).
MINIMAL_CLASSIFIED: dict[str, Any] = {
    "portals": ["SL", "LI"],
    "data": {
        "estateType": "APARTMENT",
        "distributionType": "BUY",
        "prices": {},
        "location": {
            "postalcode": "75001",
            "city": "Paris",
            "street": "Rue de Rivoli",
            "houseNumber": "1",
            "country": "FR",
        },
        "metaData": {
            "source": {
                "sourceSystem": "TestCRM",
                "sourceSystemVersion": "1.0",
                "offererMarketingKey": "MK-1",
                "offererEstateId": OFFERER_ESTATE_ID,
            }
        },
    },
}

_fault_runs = {"run": 0, "passed": 0}


def classified_json(**overrides: Any) -> dict[str, Any]:
    """A deep copy of the minimal classified, with top-level members replaced."""
    document = copy.deepcopy(MINIMAL_CLASSIFIED)
    document.update(overrides)
    return document


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[AuthenticatedClient]:
    api = AuthenticatedClient(base_url=httpserver.url_for("/"), token="t", headers={"User-Agent": USER_AGENT})
    yield api
    api.get_httpx_client().close()


@pytest.fixture
def loopback(threaded_server: HTTPServer) -> Iterator[HTTPServer]:
    """The session's threaded loopback server, cleared around each create_client row (it mounts its script)."""
    threaded_server.clear()
    yield threaded_server
    threaded_server.clear()


@pytest.fixture(autouse=True)
def fresh_unknown_value_log() -> Iterator[None]:
    """Each test starts with nothing logged yet, so "logged once" is about that test alone."""
    unknown_values.clear()
    yield
    unknown_values.clear()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fault_case: one row of the fault-case table (counted and reported)")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "fault_case" in report.keywords:
        _fault_runs["run"] += 1
        _fault_runs["passed"] += int(report.passed)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _fault_runs["run"]:
        terminalreporter.write_line(f"fault cases: {_fault_runs['run']} run, {_fault_runs['passed']} passed")
