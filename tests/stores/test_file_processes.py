"""FileTokenStore across real OS processes: one token for a cold race, for a cron-like series, after a crash."""

from __future__ import annotations

import os
import signal
import stat
import threading
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from aviv_caas_auth import CaasCredentials, FileTokenStore, TokenKey, endpoints_for
from tests.auth.fake_aviv import FakeAviv
from tests.stores.processes import finish, race, run_worker, start_worker, worker_spec


def _key(aviv: FakeAviv, credentials: CaasCredentials) -> TokenKey:
    return TokenKey.of(credentials, endpoints_for("sandbox", token_url=aviv.token_url))


def test_eight_processes_on_a_cold_store_make_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path, tmp_path: Path
) -> None:
    spec = worker_spec(credentials, aviv.token_url, store="file", path=str(token_dir))
    tokens = race(8, spec, tmp_path / "barrier")
    assert aviv.token_count == 1
    assert tokens == [aviv.issued[0]] * 8


def test_twenty_short_lived_processes_in_a_row_make_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path
) -> None:
    spec = worker_spec(credentials, aviv.token_url, store="file", path=str(token_dir))
    tokens = [run_worker({**spec, "use_async": run % 2 == 1})[0] for run in range(20)]
    assert aviv.token_count == 1
    assert tokens == [aviv.issued[0]] * 20


def test_files_are_private_and_hold_no_secret_and_no_client_id(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path, tmp_path: Path
) -> None:
    spec = worker_spec(credentials, aviv.token_url, store="file", path=str(token_dir))
    race(4, spec, tmp_path / "barrier")
    assert stat.S_IMODE(token_dir.stat().st_mode) == 0o700
    token_file = FileTokenStore(token_dir).path_for(_key(aviv, credentials))
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    files = list(token_dir.iterdir())
    assert token_file in files
    forbidden = (credentials.client_secret, credentials.client_id, credentials.secret_digest)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        content = path.read_bytes().decode()
        for text in forbidden:
            assert text not in path.name
            assert text not in content
    assert aviv.issued[0] in token_file.read_text()  # the token itself is what the store is for


def test_a_killed_lock_holder_does_not_block_the_next_process(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path
) -> None:
    spec = worker_spec(credentials, aviv.token_url, store="file", path=str(token_dir))
    aviv.token_gate = threading.Event()  # the first token request hangs in the server
    holder = start_worker(spec)
    try:
        assert aviv.token_entered.wait(timeout=60)
        lock_path = token_dir / f"{_key(aviv, credentials).digest}.lock"
        with pytest.raises(Timeout):  # the holder really holds the store's lock while it fetches
            FileLock(lock_path, thread_local=False).acquire(timeout=0.2)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    aviv.token_gate.set()
    token, warnings = finish(start_worker(spec))  # the kernel released the dead holder's lock
    assert aviv.token_count == 2  # the dead holder's request, and this one
    assert token in aviv.issued
    assert "without the lock" not in warnings
