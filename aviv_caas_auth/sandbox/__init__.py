"""A local, stateful fake of AVIV's Classified API (v3 and v4) and token endpoint, driven by the specs.

Needs the ``sandbox`` extra (``pip install 'aviv-caas[sandbox]'``). ``import aviv_caas_auth``
never imports this package. Both API versions are served at AVIV's paths (``/caas/v3``,
``/sandbox/caas/v3``, ``/caas/v4``, ``/sandbox/caas/v4``) behind one token endpoint:
``sb.base_url``/``sb.audience`` are v3's sandbox, ``sb.base_url_for("sandbox", api="v4")`` and
``sb.audience_for("sandbox", api="v4")`` v4's.

- ``Sandbox.start()``: serve it on a free loopback port (a context manager).
- ``python -m aviv_caas_auth.sandbox``: run it as a server.
- the ``caas_sandbox`` pytest fixture (``aviv_caas_auth.sandbox.pytest_plugin``).
"""

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.sandbox.clock import Clock, ManualClock, SystemClock
from aviv_caas_auth.sandbox.config import (
    DEMO_CREDENTIALS,
    ENVIRONMENTS,
    PRODUCTION,
    SANDBOX,
    Environment,
    SandboxConfig,
    environments_of,
)
from aviv_caas_auth.sandbox.errors import SandboxError
from aviv_caas_auth.sandbox.exchanges import Exchange
from aviv_caas_auth.sandbox.faults import Fault, FaultKnobs
from aviv_caas_auth.sandbox.report import ClientUsage, ReuseViolation, TokenReuseReport
from aviv_caas_auth.sandbox.served import ServedApi
from aviv_caas_auth.sandbox.server import Sandbox
from aviv_caas_auth.sandbox.spec import ApiSpec
from aviv_caas_auth.sandbox.webhooks import Delivery

__all__ = [
    "DEMO_CREDENTIALS",
    "ENVIRONMENTS",
    "PRODUCTION",
    "SANDBOX",
    "ApiSpec",
    "CaasCredentials",
    "ClientUsage",
    "Clock",
    "Delivery",
    "Environment",
    "Exchange",
    "Fault",
    "FaultKnobs",
    "ManualClock",
    "ReuseViolation",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "ServedApi",
    "SystemClock",
    "TokenReuseReport",
    "environments_of",
]
