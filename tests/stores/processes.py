"""Start worker processes (separate interpreters) and collect the tokens they got."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aviv_caas_auth import CaasCredentials
from tests.stores.worker import ENV

ROOT = Path(__file__).resolve().parents[2]


def worker_spec(credentials: CaasCredentials, token_url: str, **spec: Any) -> dict[str, Any]:
    creds = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "intermediary_id": credentials.intermediary_id,
    }
    return {"credentials": creds, "token_url": token_url, **spec}


def start_worker(spec: dict[str, Any]) -> subprocess.Popen[str]:
    env = {**os.environ, ENV: json.dumps(spec), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.stores.worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The token a worker printed and its stderr (warnings); fails with that stderr if it did not succeed."""
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"worker failed ({process.returncode}):\n{err}"
    return str(json.loads(out.strip().splitlines()[-1])["token"]), err


def run_worker(spec: dict[str, Any]) -> tuple[str, str]:
    """Run one worker to the end."""
    return finish(start_worker(spec))


def race(count: int, spec: dict[str, Any], barrier: Path) -> list[str]:
    """Start ``count`` workers, release them together once all are ready, and return their tokens.

    Even-numbered workers use the sync path, odd ones asyncio, so both lock kinds meet.
    """
    barrier.mkdir()
    workers = [
        start_worker({**spec, "barrier": str(barrier), "index": i, "use_async": i % 2 == 1})
        for i in range(count)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(barrier.glob("ready-*"))) < count:
            dead = [w for w in workers if w.poll() is not None]
            assert not dead, f"a worker exited before the start:\n{dead[0].communicate()[1]}"
            assert time.monotonic() < deadline, "workers did not get ready"
            time.sleep(0.01)
        (barrier / "go").touch()
        return [finish(w)[0] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
