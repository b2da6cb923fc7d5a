"""The sandbox's own error: bad configuration or a spec that cannot be loaded."""

from __future__ import annotations

from aviv_caas_auth.errors import CaasError


class SandboxError(CaasError):
    """The local sandbox cannot start or was misconfigured; the message says how to fix it."""
