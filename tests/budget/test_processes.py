"""Real processes sharing one rate budget through a real redis-server, against the local sandbox.

The sandbox (on loopback, in this process) counts what reaches it per client id and refuses what
goes beyond its own limit. The workers' budget allows R requests per second and the sandbox 2R:
a budget shared through Redis keeps every window of the sandbox within its limit, however the
processes interleave, while the same budget kept in each process's memory (each process spending
R on its own) does not. Counts, not seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aviv_caas_auth.sandbox import Fault, Sandbox
from tests.budget.worker import ENV

ROOT = Path(__file__).resolve().parents[2]
RATE = 10
WORKERS = 3
REQUESTS = 12


def spec_for(sandbox: Sandbox, redis_url: str, **spec: Any) -> dict[str, Any]:
    creds = sandbox.credentials
    return {
        "credentials": {
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "intermediary_id": creds.intermediary_id,
        },
        "base_url": sandbox.base_url,
        "token_url": sandbox.token_url,
        "redis_url": redis_url,
        "rate": RATE,
        **spec,
    }


def start(spec: dict[str, Any]) -> subprocess.Popen[str]:
    env = {**os.environ, ENV: json.dumps(spec), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.budget.worker"]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def outcomes_of(process: subprocess.Popen[str]) -> list[int | str]:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, f"worker failed ({process.returncode}):\n{err}"
    return list(json.loads(out.strip().splitlines()[-1]))


def race(spec: dict[str, Any], barrier: Path) -> list[list[int | str]]:
    """``WORKERS`` workers (half sync, half async), released together once all hold their token."""
    barrier.mkdir()
    workers = [
        start({**spec, "barrier": str(barrier), "index": i, "use_async": i % 2 == 1}) for i in range(WORKERS)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(barrier.glob("ready-*"))) < WORKERS:
            dead = [w for w in workers if w.poll() is not None]
            assert not dead, f"a worker exited before the start:\n{dead[0].communicate()[1]}"
            assert time.monotonic() < deadline, "workers did not get ready"
            time.sleep(0.01)
        (barrier / "go").touch()
        return [outcomes_of(w) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()


def token_requests(sandbox: Sandbox) -> int:
    return sum(1 for exchange in sandbox.exchanges() if exchange.kind == "token")


def test_processes_sharing_a_redis_budget_stay_within_the_limit_together(
    caas_sandbox_factory: Any, redis_url: str, tmp_path: Path
) -> None:
    from aviv_caas_auth.sandbox import SandboxConfig

    sandbox = caas_sandbox_factory(SandboxConfig(rate_limit=2 * RATE))
    outcomes = race(spec_for(sandbox, redis_url, budget="redis", requests=REQUESTS), tmp_path / "barrier")
    assert outcomes == [[200] * REQUESTS] * WORKERS
    client_id = sandbox.credentials.client_id
    assert sandbox.rate_limits()["clients"] == {client_id: {"accepted": WORKERS * REQUESTS, "refused": 0}}
    assert token_requests(sandbox) == 1  # and one token for all of them, from Redis


def test_the_same_budget_kept_in_each_process_lets_the_processes_overrun_the_limit(
    caas_sandbox_factory: Any, redis_url: str, tmp_path: Path
) -> None:
    from aviv_caas_auth.sandbox import SandboxConfig

    sandbox = caas_sandbox_factory(SandboxConfig(rate_limit=2 * RATE))
    outcomes = race(spec_for(sandbox, redis_url, budget="memory", requests=REQUESTS), tmp_path / "barrier")
    refused = sandbox.rate_limits()["clients"][sandbox.credentials.client_id]["refused"]
    assert refused > 0
    assert sum(o.count(429) for o in outcomes) == refused


def test_a_429_in_one_process_pauses_the_others(caas_sandbox: Sandbox, redis_url: str) -> None:
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds", retry_after=60))
    spec = spec_for(caas_sandbox, redis_url, budget="redis", requests=1, max_wait=2)
    assert outcomes_of(start(spec)) == [429]  # it paused the shared budget for 60 s
    assert outcomes_of(start({**spec, "use_async": True})) == ["RateBudgetTimeoutError"]
    assert outcomes_of(start(spec)) == ["RateBudgetTimeoutError"]
    assert sum(1 for exchange in caas_sandbox.exchanges() if exchange.kind == "api") == 1
