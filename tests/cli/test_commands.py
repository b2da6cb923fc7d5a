"""``aviv-caas`` check, list, status, sync: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import socket
from pathlib import Path

from aviv_caas_auth.cli import exits
from aviv_caas_auth.cli.main import optional_values
from aviv_caas_auth.sandbox import Sandbox
from tests.cli.conftest import aviv_caas, environ, output, write_feed
from tests.sync.conftest import feed, inventory


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed once the block ends


def test_check_against_the_local_sandbox_says_where_and_exits_0(server: Sandbox) -> None:
    result = aviv_caas("--sandbox-local", server.url, "--api", "v4", "check")
    assert result.returncode == exits.OK, result.stderr
    assert result.stdout.startswith("ok: credentials valid, token obtained (expires in 86400 s)")
    assert "https://api.aviv-group.com/sandbox/caas/v4" in result.stdout
    assert "caas-sandbox-demo-secret" not in result.stdout + result.stderr
    facts = output(aviv_caas("--sandbox-local", server.url, "--json", "check"))
    assert facts["ok"] is True
    assert facts["api"] == "v3"
    assert facts["environment"] == "sandbox"
    assert facts["intermediaryId"] == "caas-sandbox-agency"


def test_check_against_a_closed_port_is_one_line_exit_5_and_one_attempt() -> None:
    result = aviv_caas("--sandbox-local", f"http://127.0.0.1:{closed_port()}", "check")
    assert result.returncode == exits.UNREACHABLE
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: could not reach AVIV's token endpoint")
    assert "Traceback" not in result.stderr
    assert "attempt 2" not in result.stderr
    assert result.stdout == ""


def test_check_without_credentials_is_a_configuration_error() -> None:
    result = aviv_caas("--environment", "sandbox", "check")
    assert result.returncode == exits.CONFIGURATION
    (line,) = result.stderr.splitlines()
    assert "AVIV_CLIENT_ID" in line
    assert "Traceback" not in result.stderr


def test_wrong_credentials_are_a_configuration_error_without_the_secret(server: Sandbox) -> None:
    env = environ(
        AVIV_CLIENT_ID="caas-sandbox-demo", AVIV_CLIENT_SECRET="wrong-secret-123", AVIV_INTERMEDIARY_ID="a"
    )
    result = aviv_caas("--sandbox-local", server.url, "check", env=env)
    assert result.returncode == exits.CONFIGURATION
    assert len(result.stderr.splitlines()) == 1
    assert "wrong-secret-123" not in result.stderr


def test_the_optional_url_of_sandbox_local() -> None:
    assert optional_values(["--sandbox-local", "check"]) == ["--sandbox-local=", "check"]
    assert (
        optional_values(["--sandbox-local", "http://127.0.0.1:8080", "check"])[1] == "http://127.0.0.1:8080"
    )
    result = aviv_caas("--sandbox-local", "--json", "check")  # a sandbox of its own
    assert result.returncode == exits.OK, result.stderr
    assert output(result)["classifiedsListed"] == 0


def test_sync_dry_run_then_sync_then_list_and_status(server: Sandbox, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feed.json", feed(3))
    local = ("--sandbox-local", server.url)
    dry = aviv_caas(*local, "sync", str(path), "--dry-run")
    assert dry.returncode == exits.OK, dry.stderr
    assert dry.stdout.count("+ create") == 3
    assert "3 to create" in dry.stdout
    assert inventory(server) == {}
    done = aviv_caas(*local, "--json", "sync", str(path))
    assert done.returncode == exits.OK, done.stderr
    assert output(done)["report"]["counts"]["created"] == 3
    assert len(inventory(server)) == 3
    changed = feed(3)
    changed[1]["data"]["prices"]["buy"]["price"]["amount"] = 1
    write_feed(path, changed)
    diff = aviv_caas(*local, "sync", str(path), "--dry-run")
    assert "~ update    REF-0001" in diff.stdout
    assert "/data/prices/buy/price/amount: 400001 -> 1" in diff.stdout
    listed = output(aviv_caas(*local, "--json", "list"))
    assert listed["count"] == 3
    classified_id = listed["items"][0]["classifiedId"]
    status = aviv_caas(*local, "status", classified_id)
    assert status.returncode == exits.OK
    assert f"{classified_id}: CREATED" in status.stdout
    missing = aviv_caas(*local, "status", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == exits.FAILED
    assert missing.stderr.startswith("error: ")


def test_exit_codes_for_a_refused_withdrawal_a_bad_feed_and_a_failed_listing(
    server: Sandbox, tmp_path: Path
) -> None:
    local = ("--sandbox-local", server.url)
    path = write_feed(tmp_path / "feed.json", feed(8))
    assert aviv_caas(*local, "sync", str(path), "--no-wait").returncode == exits.OK
    empty = write_feed(tmp_path / "empty.json", [])
    for extra in ((), ("--dry-run",), ("--force",)):
        refused = aviv_caas(*local, "sync", str(empty), "--withdraw-missing", *extra)
        assert refused.returncode == exits.REFUSED, refused.stderr
        assert "the feed is empty" in refused.stderr
        assert "Nothing was sent" in refused.stderr
    assert len(inventory(server)) == 8
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    for bad in ("broken.json", "missing.json"):
        result = aviv_caas(*local, "sync", str(tmp_path / bad))
        assert result.returncode == exits.BAD_FEED
        assert len(result.stderr.splitlines()) == 1
    duplicated = write_feed(tmp_path / "dup.json", [*feed(2), *feed(1)])
    result = aviv_caas(*local, "sync", str(duplicated))
    assert result.returncode == exits.BAD_FEED
    assert "listing #2 (REF-0000)" in result.stderr
    listings = feed(9)
    listings[8]["data"]["location"]["floor"] = 3  # refused by AVIV's validation
    result = aviv_caas(*local, "sync", str(write_feed(path, listings)))
    assert result.returncode == exits.FAILED
    assert "failed REF-0008: ValidationError" in result.stdout
    assert len(inventory(server)) == 8
