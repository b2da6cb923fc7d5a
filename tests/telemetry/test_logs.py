"""AVIV_CAAS_LOG switches the library's logging on (a stderr handler), masking tokens and secrets."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from aviv_caas_auth import logs

CALLS = """
from aviv_caas_auth import RetryPolicy
from aviv_caas_auth.sandbox import Fault, Sandbox
from aviv_caas_client.api.classifieds import get_classifieds
from tests.sandbox.conftest import version_client
with Sandbox.start() as sandbox:
    client = version_client(sandbox, "v3", retry=RetryPolicy(sleep=lambda _: None))
    sandbox.faults.add(Fault("server_error", method="GET", path="/classifieds", status=503))
    get_classifieds.sync_detailed(client=client)
    print(sandbox.credentials.client_secret)
"""


def run_with(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != logs.ENV_VAR}
    if value is not None:
        env[logs.ENV_VAR] = value
    return subprocess.run(
        [sys.executable, "-c", CALLS], capture_output=True, text=True, timeout=120, env=env, check=True
    )


def library_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " aviv_caas_auth" in line]


def test_debug_logs_every_answer_the_token_and_the_retry_without_secrets() -> None:
    done = run_with("debug")
    lines = library_lines(done.stderr)
    assert any(" INFO aviv_caas_auth: fetched AVIV access token " in line for line in lines)
    assert any(
        " INFO aviv_caas_auth: GET /sandbox/caas/v3/classifieds: answered 503; attempt 2" in line
        for line in lines
    )
    assert any(
        " DEBUG aviv_caas_auth: GET /sandbox/caas/v3/classifieds -> 200 traceparent=" in line
        for line in lines
    )
    secret = done.stdout.strip().splitlines()[-1]
    assert secret not in done.stderr
    assert "eyJ" not in done.stderr  # no JWT


def test_info_leaves_out_the_debug_lines() -> None:
    lines = library_lines(run_with("INFO").stderr)
    assert any(" INFO aviv_caas_auth: " in line for line in lines)
    assert not any(" DEBUG " in line for line in lines)


@pytest.mark.parametrize("value", [None, "", "off"])
def test_unset_or_off_adds_no_handler(value: str | None) -> None:
    assert library_lines(run_with(value).stderr) == []


def test_an_unknown_level_warns_naming_the_levels() -> None:
    done = run_with("verbose")
    assert (
        "AVIV_CAAS_LOG='verbose' is not a level: use one of debug, info, warning, error (or off)"
        in done.stderr
    )
    assert library_lines(done.stderr) == []


@pytest.fixture
def library_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger(logs.LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_enable_adds_one_handler_that_masks_tokens_and_secrets(library_logger: logging.Logger) -> None:
    stream = io.StringIO()
    logs.enable("warning", stream=stream)
    logs.enable(logging.DEBUG, stream=stream)  # again: the same handler, a new level
    assert len([h for h in library_logger.handlers if isinstance(h, logs._Handler)]) == 1
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjcm0ifQ.c2lnbmF0dXJl"
    logging.getLogger("aviv_caas_auth.budget").debug(
        "sent %s and client_secret=%s", f"Bearer {jwt}", "hunter2"
    )
    written = stream.getvalue()
    assert "DEBUG aviv_caas_auth.budget: sent Bearer *** and client_secret=***" in written
    assert jwt not in written
    assert "hunter2" not in written


def test_configure_from_env_reads_the_variable(library_logger: logging.Logger) -> None:
    assert logs.configure_from_env({}) is None
    handler = logs.configure_from_env({logs.ENV_VAR: " Warning "})
    assert handler is not None
    assert library_logger.level == logging.WARNING
    with pytest.raises(ValueError, match="level must be one of debug, info, warning, error"):
        logs.enable("loud")
