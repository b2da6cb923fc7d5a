"""FileTokenStore in one process: broken files, permissions, unusable directories, compare-and-delete."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from filelock import FileLock

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    ConfigurationError,
    FileTokenStore,
    TokenKey,
    endpoints_for,
)
from aviv_caas_auth.stores.file_store import default_directory
from aviv_caas_auth.stores.record import encode
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import provider_for

DAY = 86400.0


def _key(aviv: FakeAviv, credentials: CaasCredentials) -> TokenKey:
    return TokenKey.of(credentials, endpoints_for("sandbox", token_url=aviv.token_url))


def _plant(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.write_bytes(data)
    os.chmod(path, mode)


def _planted_token() -> AccessToken:
    return AccessToken(value="tok-planted", expires_in=DAY, expires_at=4_000_000_000.0)


# -- broken token files ----------------------------------------------------------------------


def _broken_records(key: TokenKey, other: TokenKey) -> dict[str, bytes]:
    good = json.loads(encode(key, _planted_token()))
    return {
        "corrupt": b"\x00\xff{garbage",
        "truncated": encode(key, _planted_token())[:40],
        "empty": b"",
        "a JSON list": b"[]",
        "no access_token": json.dumps({**good, "access_token": None}).encode(),
        "expires_in is text": json.dumps({**good, "expires_in": "86400"}).encode(),
        "expires_at is missing": json.dumps({k: v for k, v in good.items() if k != "expires_at"}).encode(),
        "not Bearer": json.dumps({**good, "token_type": "MAC"}).encode(),
        "unknown format": json.dumps({**good, "format": "something/else"}).encode(),
        "another key's record": encode(other, _planted_token()),
        "expires_in of 31,700 years": json.dumps({**good, "expires_in": 1e12}).encode(),
        "expires_in of a millisecond": json.dumps({**good, "expires_in": 0.001}).encode(),
        "a token no header can carry": json.dumps({**good, "access_token": "tok\r\nX-Injected: 1"}).encode(),
        "a non-ASCII token": json.dumps({**good, "access_token": "tok-\u20ac"}).encode(),
    }


@pytest.mark.parametrize(
    "case",
    [
        "corrupt",
        "truncated",
        "empty",
        "a JSON list",
        "no access_token",
        "expires_in is text",
        "expires_at is missing",
        "not Bearer",
        "unknown format",
        "another key's record",
        "expires_in of 31,700 years",
        "expires_in of a millisecond",
        "a token no header can carry",
        "a non-ASCII token",
    ],
)
def test_a_broken_file_is_ignored_with_a_warning_then_replaced(
    case: str,
    aviv: FakeAviv,
    credentials: CaasCredentials,
    token_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FileTokenStore(token_dir)
    key = _key(aviv, credentials)
    other = _key(aviv, credentials.for_intermediary("another-agency"))
    _plant(store.path_for(key), _broken_records(key, other)[case])
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")

    token = provider_for(aviv, credentials, token_store=store).get_token()

    assert token.value == aviv.issued[0] != "tok-planted"
    assert aviv.token_count == 1
    assert f"ignoring token file {store.path_for(key)}" in caplog.text
    assert FileTokenStore(token_dir).load(key) == token  # overwritten by a good record


def test_a_token_file_readable_by_others_is_refused_and_replaced(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileTokenStore(token_dir)
    key = _key(aviv, credentials)
    path = store.path_for(key)
    _plant(path, encode(key, _planted_token()), mode=0o644)  # a valid record, but others could read it
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")

    token = provider_for(aviv, credentials, token_store=store).get_token()

    assert token.value == aviv.issued[0]  # the possibly leaked token is not reused
    assert "its mode is 0644" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load(key) == token


def test_a_symlinked_token_file_is_not_followed(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path, tmp_path: Path
) -> None:
    store = FileTokenStore(token_dir)
    key = _key(aviv, credentials)
    elsewhere = tmp_path / "elsewhere.json"
    _plant(elsewhere, encode(key, _planted_token()))
    store.path_for(key).symlink_to(elsewhere)
    token = provider_for(aviv, credentials, token_store=store).get_token()
    assert token.value == aviv.issued[0]
    assert not store.path_for(key).is_symlink()  # replaced by a real file
    assert "tok-planted" in elsewhere.read_text()  # the link's target was not written through


# -- the directory ---------------------------------------------------------------------------


def test_a_missing_directory_is_created_private(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "a" / "b" / "tokens")
    assert store.directory == tmp_path / "a" / "b" / "tokens"
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


def test_a_directory_open_to_others_is_refused_not_changed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    with pytest.raises(ConfigurationError, match=r"mode is 0755.*\(created 0700\).*chmod 700") as caught:
        FileTokenStore(shared)
    assert str(shared) in str(caught.value)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # refused, left as it was


def test_a_shared_sticky_directory_is_refused_without_advice_to_change_it(tmp_path: Path) -> None:
    shared = tmp_path / "tmp-like"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: everyone's, sticky
    with pytest.raises(ConfigurationError) as caught:
        FileTokenStore(shared)
    message = str(caught.value)
    assert "chmod" not in message  # never advise changing the mode of a directory others share
    assert "shared" in message
    assert "FileTokenStore()" in message  # the private default instead
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_a_directory_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(theirs, 65534, 65534)  # nobody
    else:
        theirs = Path("/")  # owned by root
    with pytest.raises(ConfigurationError, match="owned by uid"):
        FileTokenStore(theirs)


@pytest.mark.parametrize("where", ["under a regular file", "a regular file", "read-only"])
def test_an_unusable_directory_fails_at_construction(where: str, tmp_path: Path) -> None:
    regular = tmp_path / "regular"
    regular.write_text("not a directory")
    path = {
        "under a regular file": regular / "tokens",
        "a regular file": regular,
        # Ours and private (0500), but not even root can create files there.
        "read-only": Path("/proc/self/fd"),
    }[where]
    with pytest.raises(ConfigurationError, match="FileTokenStore cannot keep tokens in") as caught:
        FileTokenStore(path)
    assert str(path) in str(caught.value)
    assert "directory this user owns and can write" in str(caught.value)


def test_the_default_directory_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_directory() == tmp_path / "cache" / "aviv-caas" / "tokens"
    assert FileTokenStore().directory == tmp_path / "cache" / "aviv-caas" / "tokens"
    assert stat.S_IMODE((tmp_path / "cache" / "aviv-caas" / "tokens").stat().st_mode) == 0o700


def test_temp_files_of_dead_writers_are_cleaned_up(token_dir: Path) -> None:
    token_dir.mkdir(mode=0o700)
    stale, fresh = token_dir / ".tmp-dead.json", token_dir / ".tmp-busy.json"
    for path in (stale, fresh):
        _plant(path, b'{"access_token": "tok-half-written"')
    an_hour_and_more_ago = stale.stat().st_mtime - 3700
    os.utime(stale, (an_hour_and_more_ago, an_hour_and_more_ago))
    FileTokenStore(token_dir)
    assert not stale.exists()
    assert fresh.exists()  # may be a live writer's, about to be renamed


def test_bad_lock_timeout_is_refused(token_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match="lock_timeout must be > 0"):
        FileTokenStore(token_dir, lock_timeout=0)


# -- compare-and-delete, async ----------------------------------------------------------------


def test_discard_deletes_only_the_token_it_names(token_dir: Path) -> None:
    store = FileTokenStore(token_dir)
    key = TokenKey("https://t.example/oauth/token", "c", "aud", "agency", "digest")
    old = AccessToken("tok-old", DAY, 4_000_000_000.0)
    new = AccessToken("tok-new", DAY, 4_000_086_400.0)
    store.save(key, new)
    store.discard(key, old)  # another process already replaced the rejected token: keep the new one
    assert store.load(key) == new
    store.discard(key, new)
    assert store.load(key) is None
    assert not store.path_for(key).exists()
    store.discard(key, new)  # nothing left: no error


def test_a_lock_held_too_long_is_given_up_with_a_warning_not_a_hang(
    aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileTokenStore(token_dir, lock_timeout=0.2)
    key = _key(aviv, credentials)
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    with FileLock(token_dir / f"{key.digest}.lock", thread_local=False):  # a stuck process holds it
        assert provider_for(aviv, credentials, token_store=store).get_token().value == aviv.issued[0]
        other = credentials.for_intermediary("other")
        async_token = asyncio.run(provider_for(aviv, other, token_store=store).aget_token())
    assert async_token.value == aviv.issued[1]
    assert caplog.text.count("refreshing without the lock") == 1  # the async one had its own, free lock
    assert store.load(key) is not None


def test_async_paths(aviv: FakeAviv, credentials: CaasCredentials, token_dir: Path) -> None:
    key = _key(aviv, credentials)

    async def main() -> None:
        first = FileTokenStore(token_dir)
        token = await provider_for(aviv, credentials, token_store=first).aget_token()
        second = FileTokenStore(token_dir)  # another "process": its own slot, same files
        assert await provider_for(aviv, credentials, token_store=second).aget_token() == token
        assert await second.aload(key) == token
        await second.adiscard(key, token)
        assert await first.aload(key) is None

    asyncio.run(main())
    assert aviv.token_count == 1


def test_repr_shows_the_directory_only(token_dir: Path) -> None:
    assert repr(FileTokenStore(token_dir)) == f"FileTokenStore({str(token_dir)!r})"
