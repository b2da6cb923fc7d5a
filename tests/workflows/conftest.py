"""The workflows against the local sandbox, on frozen clocks that only the workflows' sleeps move.

Every test that takes a client runs once per API version (``api``: v3, then v4), against the
version's own base path of the sandbox. Every sandbox started here is checked at teardown like
the sandbox suite's: each answer conforms to its version's spec and the sandbox logged no
internal error.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aviv_caas_auth import CaasCredentials, ManualClock, RetryPolicy, create_client
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import PollPolicy
from aviv_caas_auth.workflows.endpoints import endpoints_of
from aviv_caas_client import AuthenticatedClient
from tests.sandbox.conftest import caas_sandbox_factory, checker, spec, specs  # noqa: F401 - fixtures

USER_AGENT = "TestCRM/1.0"


def classified(offerer_estate_id: str, *, price: int = 845000) -> dict[str, Any]:
    """The sample apartment, as JSON, under ``offerer_estate_id`` and at ``price``."""
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    body["data"]["prices"]["buy"]["price"]["amount"] = price
    return body


class Sleeps:
    """The waits a PollPolicy asked for; each moves the sandbox's clock and the workflows' clock."""

    def __init__(self, sandbox: Sandbox | None, clock: ManualClock) -> None:
        self.sandbox, self.clock = sandbox, clock
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)
        if self.sandbox is not None:
            self.sandbox.clock.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def policy(self, **overrides: Any) -> PollPolicy:
        settings: dict[str, Any] = {
            "sleep": self.sleep,
            "async_sleep": self.async_sleep,
            "clock": self.clock,
            "random": lambda: 0.5,  # no jitter: intervals are exact
            **overrides,
        }
        return PollPolicy(**settings)


@pytest.fixture(params=list(PACKAGES))
def api(request: pytest.FixtureRequest) -> str:
    """The API version a test's client speaks (every sandbox-backed workflow test runs for each)."""
    return str(request.param)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(status_step=1.0)


@pytest.fixture
def sandbox(caas_sandbox_factory: Callable[..., Sandbox], sandbox_config: SandboxConfig) -> Sandbox:  # noqa: F811
    return caas_sandbox_factory(sandbox_config)


@pytest.fixture
def sleeps(sandbox: Sandbox) -> Sleeps:
    return Sleeps(sandbox, ManualClock())


@pytest.fixture
def poll(sleeps: Sleeps) -> PollPolicy:
    return sleeps.policy()


@pytest.fixture
def make_client(sandbox: Sandbox, api: str) -> Iterator[Callable[..., AuthenticatedClient]]:
    made: list[AuthenticatedClient] = []

    def make(**options: Any) -> AuthenticatedClient:
        c = sandbox.credentials
        settings: dict[str, Any] = {
            "api": api,
            "environment": "sandbox",
            "user_agent": USER_AGENT,
            "base_url": sandbox.base_url_for("sandbox", api=api),
            "token_url": sandbox.token_url,
            # the transport's own waits are recorded, not slept
            "retry": RetryPolicy(sleep=lambda _s: None, async_sleep=_no_sleep),
            **options,
        }
        client = create_client(CaasCredentials(c.client_id, c.client_secret, c.intermediary_id), **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.get_httpx_client().close()


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def client(make_client: Callable[..., AuthenticatedClient]) -> AuthenticatedClient:
    return make_client()


def tenant(sandbox: Sandbox, api: str | None = None) -> tuple[str, str, str]:
    """Whose classifieds the demo credentials see in the sandbox environment (every version sees the same)."""
    c = sandbox.credentials
    return ("sandbox", c.client_id, c.intermediary_id)


def offerer_ids(sandbox: Sandbox) -> list[str]:
    """The offererEstateIds of the live classifieds in the sandbox (shared by every version), in creation order."""
    return [record.offerer_estate_id for record in sandbox.app.store.classifieds(tenant(sandbox))]


def set_status_step(sandbox: Sandbox, seconds: float) -> None:
    """Make every version's statuses move on every ``seconds`` of the sandbox clock."""
    for served in sandbox.app.served.values():
        served.store._step = seconds


def api_calls(sandbox: Sandbox, operation: str | None = None) -> list[str]:
    """The operations the sandbox answered, in order (``operation``: only those)."""
    calls = [e.operation_id for e in sandbox.exchanges() if e.kind == "api" and e.operation_id]
    return [c for c in calls if operation is None or c == operation]


def model(client: Any, name: str) -> Any:
    """The generated model ``name`` of the client's own package (v3's or v4's)."""
    return getattr(importlib.import_module(f"{endpoints_of(client).package}.models"), name)


def endpoint(client: Any, operation: str) -> Any:
    """The endpoint module ``operation`` of the client's own package (e.g. ``get_classified``), in any tag."""
    package = endpoints_of(client).package
    tags = importlib.import_module(f"{package}.api")
    for tag in pkgutil.iter_modules(tags.__path__):
        name = f"{package}.api.{tag.name}.{operation}"
        if importlib.util.find_spec(name) is not None:
            return importlib.import_module(name)
    raise LookupError(f"{package} has no endpoint {operation}")


def offline_client() -> AuthenticatedClient:
    """A generated client that must never send anything (its host does not resolve)."""
    return AuthenticatedClient(base_url="https://caas.invalid", token="t")
