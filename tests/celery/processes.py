"""Real Celery workers for the tests: ``celery -A aviv_caas_auth.celery.example worker`` as subprocesses.

Each worker runs in a session of its own, so that its PID is also its process group's: stopping
it (SIGTERM, then SIGKILL) or killing it mid-run reaches its prefork children too, by that PID,
and nothing is left running after the test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


class Worker:
    """One ``celery worker`` (prefork) started with ``env``; its log in ``log``."""

    def __init__(self, name: str, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.name = name
        self.log = log
        command = [
            CELERY,
            "-A",
            "aviv_caas_auth.celery.example",
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while b" ready." not in self.log.read_bytes():
            assert self.process.poll() is None, f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, (
                f"worker {self.name} not ready:\n{self.log.read_text()[-3000:]}"
            )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes (its process group, whose id is its PID)."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL to the group if it is still there after 20 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)  # its children too, whatever became of the main process
        if self.process.poll() is None:
            self.process.wait(timeout=30)


def run_command(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``python -m aviv_caas_auth.celery.example ARGS``: the documented run, as a subprocess."""
    return subprocess.Popen(
        [sys.executable, "-m", "aviv_caas_auth.celery.example", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
