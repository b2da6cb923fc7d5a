"""The sandbox's own errors: bad configuration, a spec that cannot be loaded, or its extra missing."""

from __future__ import annotations

from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.extras import install_command


class SandboxError(CaasError):
    """The local sandbox cannot start or was misconfigured; the message says how to fix it."""


class SandboxExtraMissingError(ModuleNotFoundError):
    """The ``sandbox`` extra is not installed: the message names the missing module and the fix."""


def extra_missing(error: ModuleNotFoundError) -> SandboxExtraMissingError:
    """``error`` (a dependency of the sandbox not found) as the error naming the extra to install."""
    if isinstance(error, SandboxExtraMissingError):
        return error
    return SandboxExtraMissingError(
        f"the local sandbox needs the sandbox extra, which is not installed (no module named "
        f"{error.name!r}): {install_command('sandbox')}",
        name=error.name,
    )
