"""The ``aviv-caas`` command line, run as a real subprocess against a local sandbox the test starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aviv_caas_auth.sandbox import Sandbox, SandboxConfig

CLI = [sys.executable, "-m", "aviv_caas_auth.cli"]


def environ(**extra: str) -> dict[str, str]:
    """The environment without AVIV credentials (the sandbox's demo ones apply), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVIV_")}
    return {**env, **extra}


def aviv_caas(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``aviv-caas ARGS`` in a child process (bounded: a hang fails the test instead of the suite)."""
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, env=env or environ(), check=False
    )


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``aviv-caas ARGS`` started in a child process (the test kills or waits for it)."""
    return subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or environ()
    )


def output(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON document a ``--json`` run printed."""
    return json.loads(result.stdout)


@pytest.fixture
def server() -> Iterator[Sandbox]:
    """A sandbox on real time whose statuses are final at once (a child process cannot move its clock)."""
    with Sandbox.start(SandboxConfig(status_step=0.0)) as sandbox:
        yield sandbox


def write_feed(path: Path, listings: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(listings), encoding="utf-8")
    return path
