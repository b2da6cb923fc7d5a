"""FileTokenStore: one token shared by every process of a host (cron jobs, workers) through private files.

Layout: one JSON record per cache key, ``<key digest>.json``, plus ``<key digest>.lock`` for the
cross-process lock (filelock: ``flock`` on POSIX, released by the kernel if the holder dies). Names
and contents hold the key's sha256 digest only, never the client id or secret.

Permissions (POSIX): the directory must be owned by this user and closed to others (0700 when we
create it); an existing directory that is not is *refused* at construction, with the ``chmod``
that fixes it: changing the mode of a directory someone pointed us at could break whatever else
shares it. Token files are written 0600; a token file that is readable by others or owned by
someone else is *refused* too: it is ignored with a warning (it may have been read, so it is not
reused) and the next token written replaces it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import filelock
import platformdirs

from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.stores.base import BlockingTokenStore
from aviv_caas_auth.stores.record import InvalidRecord, decode, encode
from aviv_caas_auth.tokens.token import AccessToken, TokenKey

_log = logging.getLogger("aviv_caas_auth")

DEFAULT_LOCK_TIMEOUT: Final = 60.0
"""Seconds to wait for another process's refresh (more than the default token request timeouts)."""

_MAX_RECORD_BYTES: Final = 64 * 1024
_TEMP_PREFIX: Final = ".tmp-"
_STALE_TEMP_AGE: Final = 3600.0
"""A temp file this old was left by a writer that died before renaming it (it may hold a token)."""
_POSIX: Final = os.name == "posix"
_READ_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


def default_directory() -> Path:
    """Where tokens go when no path is given: ``tokens`` in the user's cache directory for aviv-caas."""
    return Path(platformdirs.user_cache_dir("aviv-caas", appauthor=False)) / "tokens"


class _Untrusted(Exception):
    """A token file this store will not read (the message says why)."""


class FileTokenStore(BlockingTokenStore):
    """Tokens in files of one private directory, shared by the processes of a host.

    ``path`` is that directory (default: ``default_directory()``); it is created 0700 if missing, and
    checked now, so an unusable one fails here with ``ConfigurationError``, not in the middle of a
    call. ``lock_timeout`` bounds the wait for another process's refresh; past it the caller
    refreshes without the lock (with a warning) rather than hang.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> None:
        if not lock_timeout > 0:
            raise ConfigurationError(f"FileTokenStore lock_timeout must be > 0 seconds, got {lock_timeout!r}")
        self.lock_timeout = float(lock_timeout)
        self.directory = _prepare(Path(path) if path is not None else default_directory())
        _remove_stale_temp_files(self.directory)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.directory)!r})"

    def path_for(self, key: TokenKey) -> Path:
        """The file holding the token of ``key``."""
        return self.directory / f"{key.digest}.json"

    def _lock_path(self, key: TokenKey) -> Path:
        return self.directory / f"{key.digest}.lock"

    # -- TokenStore ---------------------------------------------------------------------------

    def load(self, key: TokenKey) -> AccessToken | None:
        """The stored token for ``key``; None if there is none or the file cannot be trusted."""
        path = self.path_for(key)
        try:
            data = _read_private(path)
            return decode(key, data)
        except FileNotFoundError:
            return None
        except (_Untrusted, InvalidRecord) as exc:
            _log.warning("ignoring token file %s: %s; the next token fetched will replace it", path, exc)
            return None

    def save(self, key: TokenKey, token: AccessToken) -> None:
        """Write ``token`` for ``key`` atomically: a private temp file, fsync, rename, fsync the directory."""
        data = encode(key, token)
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as file:
                if _POSIX:
                    os.fchmod(file.fileno(), 0o600)  # mkstemp's 0600 may have lost bits to the umask
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, self.path_for(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(self.directory)

    def discard(self, key: TokenKey, token: AccessToken) -> None:
        """Delete the file of ``key`` if it still holds ``token`` (compare-and-delete under the lock)."""
        with self.lock(key):
            current = self.load(key)
            if current is None or current.value != token.value:
                return
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path_for(key))
            _fsync_directory(self.directory)

    @contextlib.contextmanager
    def lock(self, key: TokenKey) -> Iterator[object]:
        """Hold the key's file lock; after ``lock_timeout`` go on without it (warning)."""
        lock = filelock.FileLock(
            self._lock_path(key), timeout=self.lock_timeout, mode=0o600, thread_local=False
        )
        try:
            lock.acquire()
            acquired = True
        except filelock.Timeout:
            acquired = self._timed_out()
        try:
            yield None
        finally:
            if acquired:
                lock.release()

    @contextlib.asynccontextmanager
    async def alock(self, key: TokenKey) -> AsyncIterator[object]:
        """Async ``lock``: polls without blocking the event loop, and gives the lock back if cancelled."""
        lock = filelock.AsyncFileLock(self._lock_path(key), timeout=self.lock_timeout, mode=0o600)
        try:
            await lock.acquire()
            acquired = True
        except filelock.Timeout:
            acquired = self._timed_out()
        try:
            yield None
        finally:
            if acquired:
                await lock.release()

    def _timed_out(self) -> bool:
        _log.warning(
            "waited %g s for another process's token refresh in %s; refreshing without the lock",
            self.lock_timeout,
            self.directory,
        )
        return False


def _prepare(directory: Path) -> Path:
    """Create or check the store's directory; ConfigurationError saying how to fix it if unusable."""
    directory = directory.expanduser().absolute()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as exc:
        raise _unusable(directory, exc.strerror or str(exc)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise _unusable(directory, "it is not a directory")
    if _POSIX:
        if info.st_uid != os.geteuid():
            raise _unusable(
                directory,
                f"it is owned by uid {info.st_uid}, not by this user (uid {os.geteuid()}); token files "
                "must live in a directory only this user controls",
            )
        if info.st_mode & (stat.S_ISVTX | stat.S_IWOTH):
            raise _unusable(
                directory,
                f"its mode is {stat.S_IMODE(info.st_mode):04o}: it is a shared directory (like /tmp), "
                "where other users can reach, replace or plant token files",
                fix="Never change the mode of a shared directory: pass FileTokenStore() (a private "
                f"directory in your cache: {default_directory()}) or a directory of this user's own.",
            )
        if info.st_mode & 0o077:
            raise _unusable(
                directory,
                f"its mode is {stat.S_IMODE(info.st_mode):04o}, so other users can reach the token files",
                fix=f"Pass a directory of its own, e.g. {directory / 'aviv-caas-tokens'} (created 0700), or "
                f"run `chmod 700 {directory}` if it holds nothing but these tokens.",
            )
    try:  # proves we can create, write and remove files there (os.access is blind to read-only mounts)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _unusable(directory, f"cannot write there ({exc.strerror or exc})") from None
    return directory


def _remove_stale_temp_files(directory: Path) -> None:
    """Delete temp files that writers which died before their rename left behind."""
    cutoff = time.time() - _STALE_TEMP_AGE
    for path in directory.glob(f"{_TEMP_PREFIX}*.json"):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if path.lstat().st_mtime < cutoff:
                path.unlink()


def _unusable(
    directory: Path,
    reason: str,
    fix: str = "Pass FileTokenStore(path=...) a directory this user owns and can write.",
) -> ConfigurationError:
    return ConfigurationError(f"FileTokenStore cannot keep tokens in {directory}: {reason}. {fix}")


def _read_private(path: Path) -> bytes:
    """The bytes of a token file, if it is a regular file only this user can read."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Untrusted("it is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Untrusted("it is not a regular file")
        if _POSIX and info.st_uid != os.geteuid():
            raise _Untrusted(f"it is owned by uid {info.st_uid}, not by this user")
        if _POSIX and info.st_mode & 0o077:
            raise _Untrusted(
                f"its mode is {stat.S_IMODE(info.st_mode):04o}, not 0600: other users may have read the "
                "token, so it is not reused"
            )
        data = file.read(_MAX_RECORD_BYTES + 1)
    if len(data) > _MAX_RECORD_BYTES:
        raise _Untrusted("it is larger than any token record")
    return data


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (POSIX; skipped where it is not supported)."""
    if not _POSIX:
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)
