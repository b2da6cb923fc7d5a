"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

ROOT = Path(__file__).resolve().parent.parent
# Files and folders whose tests take seconds each (subprocesses, builds, type checkers, many processes, real
# waits): marked `slow`, which `make test-quick` leaves out (`-m "not slow"`). `make test` and CI run them all.
SLOW = (
    "tests/auth/test_fork_in_refresh_window.py",
    "tests/auth/test_no_hang.py",
    "tests/budget/test_processes.py",
    "tests/budget/test_readme_example.py",
    "tests/celery/",
    "tests/cli/",
    "tests/demo/",
    "tests/docs/test_readme.py",
    "tests/docs/test_site.py",
    "tests/docs/test_snippets.py",
    "tests/generated/test_endpoint_imports.py",
    "tests/generated/test_typing.py",
    "tests/generated/test_typing_versions.py",
    "tests/packaging/",
    "tests/perf/",
    "tests/problems/test_client_faults.py",
    "tests/problems/test_fault_cases.py",
    "tests/problems/test_sandbox_faults.py",
    "tests/sandbox/test_cli_stop.py",
    "tests/sandbox/test_report.py",
    "tests/sandbox/test_running.py",
    "tests/spec/test_generation.py",
    "tests/spec/test_hand_written_names.py",
    "tests/spec/test_overlay.py",
    "tests/spec/test_pin.py",
    "tests/spec/test_price_objects.py",
    "tests/spec/test_responses.py",
    "tests/spec/test_roundtrip_hypothesis.py",
    "tests/spec/test_spec_update.py",
    "tests/stores/test_file_processes.py",
    "tests/stores/test_redis_store.py",
    "tests/stores/test_shared_behaviour.py",
    "tests/sync/test_budget_and_telemetry.py",
    "tests/sync/test_sync.py",
    "tests/webhooks/test_receivers.py",
    "tests/workflows/test_deadlines.py",
    "tests/workflows/test_frozen_sandbox.py",
    "tests/workflows/test_publish.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of ``SLOW`` as `slow`."""
    for item in items:
        if item.path.relative_to(ROOT).as_posix().startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def threaded_server() -> Iterator[HTTPServer]:
    """One threaded pytest-httpserver on 127.0.0.1 for the session (tests mount their handlers, then clear)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
