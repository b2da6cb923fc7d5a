"""Crash safety: ``aviv-caas sync`` killed with SIGKILL in the middle of its writes, then run again.

The kill is timed on what the sandbox received (its exchanges), not on sleeps: the child is
killed once it has made some creates and before it made them all. The re-run plans against AVIV
again, so it converges: the inventory equals the feed, no classified twice, every listing counted.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from aviv_caas_auth.cli import exits
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_client import AuthenticatedClient
from tests.cli.conftest import aviv_caas, output, start, write_feed
from tests.sync.conftest import as_sent, feed, inventory, writes

client_model = AuthenticatedClient(
    base_url="http://127.0.0.1", token="unused"
)  # a v3 client: as_sent's model

LISTINGS = 200
CONCURRENCY = 4


def creates(sandbox: Sandbox) -> int:
    return writes(sandbox)["createClassified"]


def test_sigkill_mid_apply_then_rerun_converges_without_duplicates(server: Sandbox, tmp_path: Path) -> None:
    listings = feed(LISTINGS)
    path = write_feed(tmp_path / "feed.json", listings)
    server.faults.slow(0.01, count=None)  # 10 ms per call: the apply takes seconds, the kill lands inside it
    child = start("--sandbox-local", server.url, "sync", str(path), "--concurrency", str(CONCURRENCY))
    try:
        deadline = time.monotonic() + 120  # a bound against a hang, not a timing
        while creates(server) < 40:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child made no progress"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL
    made = creates(server)
    assert 40 <= made < LISTINGS, f"the kill did not land mid-apply ({made} creates)"
    server.faults.clear()

    rerun = aviv_caas("--sandbox-local", server.url, "--json", "sync", str(path))
    assert rerun.returncode == exits.OK, rerun.stderr
    counts = output(rerun)["report"]["counts"]
    assert counts["failed"] == 0
    # Every listing accounted for: what the killed run made is unchanged; the rest is created now
    # (a create of the killed run still in flight at the kill may land during the re-run: its
    # listing is then met as Duplicated Classified and updated, never created twice).
    assert counts["created"] + counts["updated"] + counts["unchanged"] == LISTINGS
    assert counts["unchanged"] >= made
    assert inventory(server) == as_sent(client_model, listings)  # no duplicate (checked inside)
    assert LISTINGS <= creates(server) <= LISTINGS + CONCURRENCY
    again = output(aviv_caas("--sandbox-local", server.url, "--json", "sync", str(path), "--dry-run"))
    assert again["plan"]["counts"]["unchanged"] == LISTINGS
