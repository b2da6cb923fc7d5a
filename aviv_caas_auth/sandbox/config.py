"""What a sandbox is configured with: environments, registered clients, token lifetime, pacing."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.sandbox.errors import SandboxError

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password
ADMIN_PREFIX = "/_sandbox"


class Environment(NamedTuple):
    """One of AVIV's API environments: the token audience and where the sandbox serves it."""

    name: str
    audience: str
    base_path: str


PRODUCTION = Environment("production", "https://api.aviv-group.com/caas/v3", "/caas/v3")
SANDBOX = Environment("sandbox", "https://api.aviv-group.com/sandbox/caas/v3", "/sandbox/caas/v3")
ENVIRONMENTS: tuple[Environment, ...] = (PRODUCTION, SANDBOX)


#: Public demo credentials every sandbox accepts unless configured otherwise (documented in the README).
DEMO_CREDENTIALS = CaasCredentials(
    client_id="caas-sandbox-demo",
    client_secret="caas-sandbox-demo-secret",  # noqa: S106 - a published demo value, not a secret
    intermediary_id="caas-sandbox-agency",
)


def _demo_clients() -> Mapping[str, str]:
    return MappingProxyType({DEMO_CREDENTIALS.client_id: DEMO_CREDENTIALS.client_secret})


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox behaves. Every field has a default; ``dataclasses.replace`` makes variants.

    - ``expires_in``: token lifetime in seconds (AVIV: 86400).
    - ``clients``: registered ``client_id -> client_secret``; any non-empty ``intermediary_id`` is accepted.
    - ``status_step``: clock seconds between two status steps (RECEIVED -> CREATING -> CREATED ...).
    - ``refresh_grace``: a token requested in the last ``refresh_grace`` seconds of a still-valid
      token's life is an early refresh, not a reuse violation. ``None`` (the default) allows the
      last 1/24 of the lifetime (the last hour of 24 h: aviv_caas_auth's proactive window); 0 is strict.
    - ``media_page_size``: page size of ``GET .../media`` (the spec gives it no ``limit``).
    - ``spec_path``: a prepared spec to validate against instead of the one shipped with
      ``aviv_caas_client``.
    - ``webhook_timeout``: seconds to wait for a subscriber's answer to a status callback.
    - ``max_exchanges``: how many request/response exchanges are kept for inspection.
    - ``log_requests``: log one line per request (the server CLI does; the fixture doesn't).
    """

    expires_in: int = 86400
    clients: Mapping[str, str] = field(default_factory=_demo_clients)
    status_step: float = 1.0
    refresh_grace: float | None = None
    media_page_size: int = 100
    spec_path: Path | None = None
    webhook_timeout: float = 2.0
    max_exchanges: int = 10_000
    log_requests: bool = False

    def __post_init__(self) -> None:
        if self.expires_in < 1:
            raise SandboxError(f"expires_in must be a positive number of seconds, got {self.expires_in}")
        if not self.clients:
            raise SandboxError("clients must register at least one client_id -> client_secret")
        for client_id, secret in self.clients.items():
            if not client_id or not secret:
                raise SandboxError("every registered client needs a non-empty client_id and client_secret")
        if self.status_step < 0 or (self.refresh_grace or 0) < 0 or self.webhook_timeout <= 0:
            raise SandboxError("status_step and refresh_grace must be >= 0, webhook_timeout > 0")
        if self.media_page_size < 1 or self.max_exchanges < 1:
            raise SandboxError("media_page_size and max_exchanges must be >= 1")
        object.__setattr__(self, "clients", MappingProxyType(dict(self.clients)))

    @property
    def effective_refresh_grace(self) -> float:
        """``refresh_grace``, or 1/24 of ``expires_in`` when it is None."""
        return self.expires_in / 24 if self.refresh_grace is None else self.refresh_grace

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name != "clients"
        )
        return f"SandboxConfig(clients=<{len(self.clients)} registered>, {fields})"

    @property
    def credentials(self) -> CaasCredentials:
        """Working credentials: the demo ones if registered, else the first registered client."""
        if self.clients.get(DEMO_CREDENTIALS.client_id) == DEMO_CREDENTIALS.client_secret:
            return DEMO_CREDENTIALS
        client_id, secret = next(iter(self.clients.items()))
        return CaasCredentials(client_id, secret, DEMO_CREDENTIALS.intermediary_id)


def check_loopback_host(host: str) -> str:
    """Return ``host`` if it is a loopback address or ``localhost``; the sandbox never listens elsewhere."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return host.strip("[]")
    except ValueError:
        pass
    raise SandboxError(f"the sandbox listens on loopback only (127.0.0.1, ::1, localhost), not {host!r}")


def environment_for_audience(audience: str) -> Environment | None:
    """The environment whose token audience is ``audience``."""
    return next((env for env in ENVIRONMENTS if env.audience == audience), None)
