from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from aviv_caas_auth import CaasCredentials, MemoryTokenStore, TokenProvider, create_client
from aviv_caas_client import AuthenticatedClient
from tests.auth.fake_aviv import FakeAviv
from tests.deadline import in_forked_child

UA = "TestCRM/1.0.0"


class AsyncOnlyStore(MemoryTokenStore):
    """A store that declares its sync methods unusable, as a RedisTokenStore with only an asyncio client
    does: a refresh a coroutine starts then runs on that coroutine's event loop, not in a thread."""

    supports_sync = False


def client_for(aviv: FakeAviv, credentials: CaasCredentials, **kwargs: Any) -> AuthenticatedClient:
    kwargs.setdefault("environment", "sandbox")
    return create_client(
        credentials,
        user_agent=kwargs.pop("user_agent", UA),
        base_url=aviv.base_url(kwargs["environment"]),
        token_url=aviv.token_url,
        **kwargs,
    )


def provider_for(aviv: FakeAviv, credentials: CaasCredentials, **kwargs: Any) -> TokenProvider:
    kwargs.setdefault("environment", "sandbox")
    return TokenProvider(
        credentials, user_agent=kwargs.pop("user_agent", UA), token_url=aviv.token_url, **kwargs
    )


def unreachable_client(credentials: CaasCredentials, **kwargs: Any) -> tuple[AuthenticatedClient, int]:
    """A client whose token URL and base URL are on a loopback port nobody listens on, and that port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    client = create_client(
        credentials,
        user_agent=UA,
        base_url=f"http://127.0.0.1:{port}/caas/v3",
        token_url=f"http://127.0.0.1:{port}/oauth/token",
        **kwargs,
    )
    return client, port


def fork_during_refresh(aviv: FakeAviv, provider: TokenProvider, *, parent: str, child: str) -> str:
    """Fork while a thread of this process refreshes (its token request held at the server), and return
    the token the child got (``parent``/``child``: "sync" or "async"; the child's call has a deadline).

    The server answers the held requests a second after the fork, the parent's and the child's own.
    """
    aviv.token_entered.clear()
    gate = aviv.token_gate = threading.Event()
    refresh = provider.get_token if parent == "sync" else (lambda: asyncio.run(provider.aget_token()))
    refresher = threading.Thread(target=refresh, daemon=True)
    refresher.start()
    assert aviv.token_entered.wait(10), "the parent's refresh did not start"
    release = threading.Timer(1.0, gate.set)
    release.start()

    def in_child() -> str:
        if child == "sync":
            return provider.get_token().value
        return asyncio.run(asyncio.wait_for(provider.aget_token(), 20)).value

    try:
        value: str = in_forked_child(in_child)
    finally:
        release.join()
        refresher.join(30)
    return value
