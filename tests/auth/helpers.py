from __future__ import annotations

import socket
from typing import Any

from aviv_caas_auth import CaasCredentials, TokenProvider, create_client
from aviv_caas_client import AuthenticatedClient
from tests.auth.fake_aviv import FakeAviv

UA = "TestCRM/1.0.0"


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
