"""pytest fixtures for the local AVIV sandbox.

Registered automatically (``pytest11`` entry point) when aviv-caas is installed; loading it
explicitly with ``pytest_plugins = ["aviv_caas_auth.sandbox.pytest_plugin"]`` works too. The
sandbox itself (and its ``sandbox`` extra) is imported only when a fixture is used, so installing
aviv-caas never slows down or breaks a pytest run that does not use it.

- ``caas_sandbox``: a fresh sandbox per test on a free loopback port, on a frozen
  ``ManualClock`` (``caas_sandbox.clock.advance(s)`` moves statuses and token expiry); it serves
  v3 (``base_url``) and v4 (``base_url_for("sandbox", api="v4")``).
- ``caas_sandbox_config``: override it to configure ``caas_sandbox`` (a ``SandboxConfig``).
- ``caas_sandbox_factory``: start more sandboxes with their own config; all stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aviv_caas_auth.sandbox import Clock, Sandbox, SandboxConfig


def _require_sandbox_extra() -> None:
    try:
        import jsonpatch  # noqa: F401
        import jsonschema  # noqa: F401
        import werkzeug  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise pytest.UsageError(
            f"the caas_sandbox fixtures need the sandbox extra: pip install 'aviv-caas[sandbox]' ({error})"
        ) from error


@pytest.fixture
def caas_sandbox_config() -> SandboxConfig:
    """The configuration of ``caas_sandbox``; override this fixture to change it."""
    _require_sandbox_extra()
    from aviv_caas_auth.sandbox import SandboxConfig

    return SandboxConfig()


@pytest.fixture
def caas_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """``start(config=None, *, clock=None, port=0)``: a running sandbox, on a ``ManualClock`` by default."""
    _require_sandbox_extra()
    from aviv_caas_auth.sandbox import ManualClock, Sandbox

    started: list[Sandbox] = []

    def start(config: SandboxConfig | None = None, *, clock: Clock | None = None, port: int = 0) -> Sandbox:
        sandbox = Sandbox.start(config, clock=clock or ManualClock(), port=port)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def caas_sandbox(caas_sandbox_factory: Callable[..., Sandbox], caas_sandbox_config: SandboxConfig) -> Sandbox:
    """A running sandbox: ``base_url``, ``token_url``, ``credentials``, ``clock``, ``faults``, ``report``."""
    return caas_sandbox_factory(caas_sandbox_config)
