"""The sandbox server's small rough edges (issue 19, item 15): a busy port, and stopping by SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest

from aviv_caas_auth.sandbox import DEMO_CREDENTIALS, Sandbox, SandboxError

from .conftest import read_banner, start_cli


def test_a_busy_port_says_to_pass_port_0(caas_sandbox: Sandbox) -> None:
    assert httpx.get(caas_sandbox.admin_url + "/report").status_code == 200
    with pytest.raises(SandboxError, match="Address already in use") as raised:
        Sandbox(port=caas_sandbox.port)
    assert "pass --port 0 (port=0 in Python) for any free port" in str(raised.value)
    done = subprocess.run(
        [sys.executable, "-m", "aviv_caas_auth.sandbox", "--port", str(caas_sandbox.port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = [
        line for line in done.stderr.splitlines() if line.startswith("error:")
    ]  # (and start-up warnings)
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{caas_sandbox.port}: Address already in use")
    assert "--port 0" in line


def stopped(process: subprocess.Popen[str]) -> tuple[str, str]:
    """What the stopped server printed; a server that does not stop is killed (never left behind)."""
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_sigterm_prints_the_token_reuse_report_like_ctrl_c(stop: signal.Signals) -> None:
    process = start_cli("--quiet")
    try:
        banner = read_banner(process)
        token_url = re.search(r"token URL:\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
        creds = DEMO_CREDENTIALS
        answer = httpx.post(
            token_url,
            json={
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "grant_type": "client_credentials",
                "audience": "https://api.aviv-group.com/sandbox/caas/v3",
                "intermediary_id": creds.intermediary_id,
            },
        )
        assert answer.status_code == 200
    finally:
        process.send_signal(stop)
        out, err = stopped(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "token-reuse report: 1 token request for 0 API calls — compliant" in out


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_a_stop_right_after_the_banner_still_reports(stop: signal.Signals) -> None:
    """The signal may come before the serving loop starts: the server must not wait for a loop that never ran."""
    for _ in range(3):
        process = start_cli("--quiet")
        try:
            read_banner(process)
        finally:
            process.send_signal(stop)
            out, err = stopped(process)
        assert process.returncode == 0, err
        assert "token-reuse report: no token requested yet" in out
