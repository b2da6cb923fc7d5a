"""A local, stateful fake of AVIV's Classified API (v3 and v4) and token endpoint, driven by the specs.

Needs the ``sandbox`` extra (installed with it: see :mod:`aviv_caas_auth.extras`). ``import aviv_caas_auth``
never imports this package. Both API versions are served at AVIV's paths (``/caas/v3``,
``/sandbox/caas/v3``, ``/caas/v4``, ``/sandbox/caas/v4``) behind one token endpoint:
``sb.base_url``/``sb.audience`` are v3's sandbox, ``sb.base_url_for("sandbox", api="v4")`` and
``sb.audience_for("sandbox", api="v4")`` v4's.

- ``Sandbox.start()``: serve it on a free loopback port (a context manager).
- ``python -m aviv_caas_auth.sandbox``: run it as a server.
- the ``caas_sandbox`` pytest fixture (``aviv_caas_auth.sandbox.pytest_plugin``).

Importing this package imports nothing else: each name is imported on first use (PEP 562), like
``aviv_caas_auth``'s. So the pytest plugin, a submodule, loads in any installation, and without
the extra every name (but the two errors) raises ``SandboxExtraMissingError`` (a
``ModuleNotFoundError``) saying the ``pip install`` command that adds the extra to this installation.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from aviv_caas_auth.sandbox.errors import SandboxError, SandboxExtraMissingError
    from aviv_caas_auth.sandbox.exchanges import Exchange
    from aviv_caas_auth.sandbox.faults import Fault, FaultKnobs
    from aviv_caas_auth.sandbox.report import BackoffViolation, ClientUsage, ReuseViolation, TokenReuseReport
    from aviv_caas_auth.sandbox.served import ServedApi
    from aviv_caas_auth.sandbox.server import Sandbox
    from aviv_caas_auth.sandbox.spec import ApiSpec
    from aviv_caas_auth.sandbox.webhooks import Delivery

_CLOCK = "aviv_caas_auth.sandbox.clock"
_CONFIG = "aviv_caas_auth.sandbox.config"
_ERRORS = "aviv_caas_auth.sandbox.errors"
_REPORT = "aviv_caas_auth.sandbox.report"

# Name -> the module defining it, imported when the name is first looked up.
_LAZY: dict[str, str] = {
    "CaasCredentials": "aviv_caas_auth.credentials",
    "Clock": _CLOCK,
    "ManualClock": _CLOCK,
    "SystemClock": _CLOCK,
    "DEMO_CREDENTIALS": _CONFIG,
    "ENVIRONMENTS": _CONFIG,
    "PRODUCTION": _CONFIG,
    "SANDBOX": _CONFIG,
    "Environment": _CONFIG,
    "SandboxConfig": _CONFIG,
    "environments_of": _CONFIG,
    "SandboxError": _ERRORS,
    "SandboxExtraMissingError": _ERRORS,
    "Exchange": "aviv_caas_auth.sandbox.exchanges",
    "Fault": "aviv_caas_auth.sandbox.faults",
    "FaultKnobs": "aviv_caas_auth.sandbox.faults",
    "BackoffViolation": _REPORT,
    "ClientUsage": _REPORT,
    "ReuseViolation": _REPORT,
    "TokenReuseReport": _REPORT,
    "ServedApi": "aviv_caas_auth.sandbox.served",
    "Sandbox": "aviv_caas_auth.sandbox.server",
    "ApiSpec": "aviv_caas_auth.sandbox.spec",
    "Delivery": "aviv_caas_auth.sandbox.webhooks",
}

# The third-party modules of the `sandbox` extra (werkzeug, jsonpatch; jsonschema and referencing
# through `validation`).
_EXTRA_MODULES = ("werkzeug", "jsonpatch", "jsonschema", "referencing")

if not TYPE_CHECKING:
    # Hidden from type checkers, so a misspelt name is a type error rather than `object`.

    def __getattr__(name: str) -> object:
        """Import the module defining ``name`` when first asked for (the extra checked first)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        errors = import_module(_ERRORS)
        try:
            if module != _ERRORS:  # the errors load without the extra: one can catch its absence
                from importlib.util import find_spec

                for dependency in _EXTRA_MODULES:
                    if find_spec(dependency) is None:
                        raise ModuleNotFoundError(f"No module named {dependency!r}", name=dependency)
            value = getattr(import_module(module), name)
        except ModuleNotFoundError as error:
            if (error.name or "").startswith("aviv_caas"):
                raise  # a module of this project (a generated client): not the extra's business
            raise errors.extra_missing(error) from None
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The module's globals and the names imported on first use."""
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DEMO_CREDENTIALS",
    "ENVIRONMENTS",
    "PRODUCTION",
    "SANDBOX",
    "ApiSpec",
    "BackoffViolation",
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
    "SandboxExtraMissingError",
    "ServedApi",
    "SystemClock",
    "TokenReuseReport",
    "environments_of",
]
