"""The per-request path imports nothing: once warm, a call makes no import attempt.

Python does not cache a failed import, so an ``import x`` for a missing module on every request
scans ``sys.path`` each time. httpcore's async locks do exactly that for ``sniffio`` (an optional
import it tries on every lock it creates: encode/httpcore#1103), and anyio >= 4.11 no longer
installs ``sniffio``: about 0.4 ms of failed-import work per async call, a quarter of
``publish_many``'s client time. The project depends on ``sniffio`` directly so that the import
succeeds once and is cached; this test catches any per-call import attempt, that one included.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.sandbox.conftest import version_client

CALLS = 10


class _Lookups(importlib.abc.MetaPathFinder):
    """Records every module the import system is asked to find (imports not already in sys.modules)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        self.names.append(fullname)
        return None  # let the real finders answer


@contextmanager
def recorded_lookups() -> Iterator[_Lookups]:
    lookups = _Lookups()
    sys.meta_path.insert(0, lookups)
    try:
        yield lookups
    finally:
        sys.meta_path.remove(lookups)


def _client(sandbox: Sandbox) -> AuthenticatedClient:
    client: AuthenticatedClient = version_client(sandbox, "v3")
    return client


def test_sync_calls_attempt_no_import_once_warm(caas_sandbox: Sandbox) -> None:
    client = _client(caas_sandbox)
    for _ in range(2):  # warm: the token, the connection, first-use imports
        assert isinstance(get_classifieds.sync(client=client), GetClassifiedsResponse200)
    with recorded_lookups() as lookups:
        for _ in range(CALLS):
            assert isinstance(get_classifieds.sync(client=client), GetClassifiedsResponse200)
    assert lookups.names == []


def test_async_calls_attempt_no_import_once_warm(caas_sandbox: Sandbox) -> None:
    client = _client(caas_sandbox)

    async def calls() -> list[str]:
        for _ in range(2):
            assert isinstance(await get_classifieds.asyncio(client=client), GetClassifiedsResponse200)
        with recorded_lookups() as lookups:
            for _ in range(CALLS):
                assert isinstance(await get_classifieds.asyncio(client=client), GetClassifiedsResponse200)
        await client.get_async_httpx_client().aclose()
        return lookups.names

    assert asyncio.run(calls()) == []
