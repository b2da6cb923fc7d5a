"""What a sandbox is configured with: API versions and environments, clients, token lifetime, pacing."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from aviv_caas_auth.apis import DEFAULT_API, PACKAGES, base_urls
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.sandbox.errors import SandboxError

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password
ADMIN_PREFIX = "/_sandbox"


class Environment(NamedTuple):
    """One of AVIV's API environments of one API version: the token audience and where it is served.

    The audience is the environment's server URL in the version's document (``servers``); the
    sandbox serves it at that URL's path, as AVIV does (``/sandbox/caas/v4``).
    """

    name: str
    audience: str
    base_path: str
    api: str = DEFAULT_API


def environment_of(name: str, url: str, api: str) -> Environment:
    """The environment ``name`` of ``api`` whose server (and audience) is ``url``."""
    return Environment(name, url.rstrip("/"), urlsplit(url).path.rstrip("/"), api)


def environments_of(api: str) -> tuple[Environment, ...]:
    """``api``'s environments, from its generated package's servers (its pinned document's)."""
    return tuple(environment_of(name, url, api) for name, url in base_urls(api).items())


if TYPE_CHECKING:
    #: v3's environments (the sandbox's ``base_url``/``audience`` and these names mean v3, as before v4).
    PRODUCTION: Environment
    SANDBOX: Environment
    #: Every environment of every API version the sandbox serves by default.
    ENVIRONMENTS: tuple[Environment, ...]


def __getattr__(name: str) -> object:
    """PRODUCTION, SANDBOX (v3's) and ENVIRONMENTS, read when first used.

    So a sandbox serving v4 only (``SandboxConfig(apis=("v4",))``, ``make demo API=v4``) needs
    neither v3's generated package nor its document.
    """
    if name in ("PRODUCTION", "SANDBOX"):
        return dict(zip(("PRODUCTION", "SANDBOX"), environments_of(DEFAULT_API), strict=True))[name]
    if name == "ENVIRONMENTS":
        return tuple(env for api in PACKAGES for env in environments_of(api))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Public demo credentials every sandbox accepts unless configured otherwise (docs/guides/sandbox.md).
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
    - ``token_backoff``: ``(first, most)`` seconds. After a failed token request, the next one for
      the same key and audience must wait ``first`` seconds, doubling with each failure in a row, up
      to ``most`` (and at least the failure's ``Retry-After``); an earlier one is a violation in the
      token-reuse report. ``(0, 0)`` keeps only the ``Retry-After`` rule.
    - ``media_page_size``: page size of v3's ``GET .../media`` (the spec gives it no ``limit``).
    - ``apis``: the API versions served (default: every one, ``("v3", "v4")``).
    - ``spec_path``: a prepared v3 spec to serve instead of the one shipped with
      ``aviv_caas_client``; ``spec_paths`` does the same per version (``{"v4": path}``).
    - ``webhook_timeout``: seconds to wait for a subscriber's answer to a status callback.
    - ``max_exchanges``: how many request/response exchanges are kept for inspection.
    - ``log_requests``: log one line per request (the server CLI does; the fixture doesn't).
    - ``rate_limit``: at most this many API requests per second per client id, else 429 with
      ``Retry-After`` (``None``: no limit); see :mod:`aviv_caas_auth.sandbox.ratelimit`.
    """

    expires_in: int = 86400
    clients: Mapping[str, str] = field(default_factory=_demo_clients)
    status_step: float = 1.0
    refresh_grace: float | None = None
    token_backoff: tuple[float, float] = (1.0, 60.0)
    media_page_size: int = 100
    apis: tuple[str, ...] = tuple(PACKAGES)
    spec_path: Path | None = None
    spec_paths: Mapping[str, Path] = field(default_factory=dict)
    webhook_timeout: float = 2.0
    max_exchanges: int = 10_000
    log_requests: bool = False
    rate_limit: int | None = None

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
        first, most = self.token_backoff
        if not 0 <= first <= most:
            raise SandboxError(
                f"token_backoff is (first, most) seconds with 0 <= first <= most, got {self.token_backoff!r}"
            )
        object.__setattr__(self, "token_backoff", (float(first), float(most)))
        if self.media_page_size < 1 or self.max_exchanges < 1:
            raise SandboxError("media_page_size and max_exchanges must be >= 1")
        object.__setattr__(self, "clients", MappingProxyType(dict(self.clients)))
        known = ", ".join(PACKAGES)
        if not self.apis or len(set(self.apis)) != len(self.apis) or set(self.apis) - set(PACKAGES):
            raise SandboxError(f"apis must name API versions ({known}), each once; got {self.apis!r}")
        if set(self.spec_paths) - set(self.apis):
            unserved = sorted(set(self.spec_paths) - set(self.apis))
            raise SandboxError(f"spec_paths names versions this sandbox does not serve: {unserved}")
        if self.rate_limit is not None and (
            isinstance(self.rate_limit, bool) or not isinstance(self.rate_limit, int) or self.rate_limit < 1
        ):
            raise SandboxError(
                f"rate_limit is a whole number of requests per second per client id (>= 1), or None for "
                f"no limit; got {self.rate_limit!r}"
            )
        object.__setattr__(self, "apis", tuple(self.apis))
        object.__setattr__(self, "spec_paths", MappingProxyType(dict(self.spec_paths)))

    def spec_path_of(self, api: str) -> Path | None:
        """The prepared spec to serve for ``api`` instead of its package's (None: the package's)."""
        found = self.spec_paths.get(api)
        return found if found is not None or api != DEFAULT_API else self.spec_path

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
