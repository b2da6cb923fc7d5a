"""pytest fixtures for the local AVIV sandbox.

Registered automatically (``pytest11`` entry point) when aviv-caas is installed; loading it
explicitly with ``pytest_plugins = ["aviv_caas_auth.sandbox.pytest_plugin"]`` works too. This
module imports nothing of the sandbox (its package is lazy): the sandbox and its ``sandbox``
extra are imported only when a fixture is used, so installing aviv-caas, with or without the
extra, never slows down or breaks a pytest run that does not use them. Used without the extra, a
fixture fails the test with the ``pip install`` command that adds the extra
(:mod:`aviv_caas_auth.extras`).

- ``caas_sandbox``: a fresh sandbox per test on a free loopback port, on a frozen
  ``ManualClock`` (``caas_sandbox.clock.advance(s)`` moves statuses and token expiry); it serves
  v3 (``base_url``) and v4 (``base_url_for("sandbox", api="v4")``). Statuses progress only when
  the clock moves: give the workflows ``poll=caas_sandbox.poll_policy()``, whose waits advance it.
- ``caas_sandbox_config``: override it to configure ``caas_sandbox`` (a ``SandboxConfig``).
- ``caas_sandbox_factory``: start more sandboxes with their own config; all stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

    from aviv_caas_auth.sandbox import Clock, Sandbox, SandboxConfig


def _sandbox() -> ModuleType:
    """The sandbox package with its extra loaded, or a failed test naming the extra to install."""
    import aviv_caas_auth.sandbox as sandbox

    try:
        sandbox.Sandbox  # noqa: B018 - imports the server and the extra's modules
    except ImportError as error:  # SandboxExtraMissingError: the message says what to install
        pytest.fail(f"the caas_sandbox fixtures cannot run: {error}", pytrace=False)
    return sandbox


@pytest.fixture
def caas_sandbox_config() -> SandboxConfig:
    """The configuration of ``caas_sandbox``; override this fixture to change it."""
    config: SandboxConfig = _sandbox().SandboxConfig()
    return config


@pytest.fixture
def caas_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """``start(config=None, *, clock=None, port=0)``: a running sandbox, on a ``ManualClock`` by default.

    The default ManualClock starts at the current date (statuses are dated today) and stands still.
    """
    sandbox = _sandbox()
    started: list[Sandbox] = []

    def start(config: SandboxConfig | None = None, *, clock: Clock | None = None, port: int = 0) -> Sandbox:
        import time

        frozen = clock or sandbox.ManualClock(wall=time.time())
        started.append(sandbox.Sandbox.start(config, clock=frozen, port=port))
        return started[-1]

    yield start
    for started_sandbox in started:
        started_sandbox.stop()


@pytest.fixture
def caas_sandbox(caas_sandbox_factory: Callable[..., Sandbox], caas_sandbox_config: SandboxConfig) -> Sandbox:
    """A running sandbox: ``base_url``, ``token_url``, ``credentials``, ``clock``, ``faults``, ``report``."""
    return caas_sandbox_factory(caas_sandbox_config)
