"""AVIV client credentials: who calls (client id and secret) and for which agency (intermediary id)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

import attrs

from aviv_caas_auth.errors import CredentialsError

ENV_CLIENT_ID = "AVIV_CLIENT_ID"
ENV_CLIENT_SECRET = "AVIV_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_INTERMEDIARY_ID = "AVIV_INTERMEDIARY_ID"


def _non_blank(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise CredentialsError(f"CaasCredentials.{attribute.name} must be a non-empty string")
    if value != value.strip():
        raise CredentialsError(
            f"CaasCredentials.{attribute.name} has leading or trailing whitespace "
            "(often a newline copied with the value): remove it"
        )


@attrs.frozen(repr=False)
class CaasCredentials:
    """Machine-to-machine credentials AVIV issued, and the agency (intermediary) the calls are made for.

    ``repr()`` and ``str()`` never show the secret.
    """

    client_id: str = attrs.field(validator=_non_blank)
    client_secret: str = attrs.field(validator=_non_blank)
    intermediary_id: str = attrs.field(validator=_non_blank)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CaasCredentials:
        """Read AVIV_CLIENT_ID, AVIV_CLIENT_SECRET and AVIV_INTERMEDIARY_ID; name every missing one."""
        env = os.environ if environ is None else environ
        names = (ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_INTERMEDIARY_ID)
        missing = [name for name in names if not env.get(name, "").strip()]
        if missing:
            raise CredentialsError(
                f"missing environment variable(s): {', '.join(missing)}. Set them to the client "
                "credentials AVIV gave you and the id of the agency (intermediary) the calls are made for."
            )
        return cls(*(env[name].strip() for name in names))

    def for_intermediary(self, intermediary_id: str) -> CaasCredentials:
        """The same client credentials, acting for another agency."""
        return attrs.evolve(self, intermediary_id=intermediary_id)

    @property
    def secret_digest(self) -> str:
        """A one-way digest of the secret: tells secrets apart (rotation) without revealing them."""
        return hashlib.sha256(b"aviv-caas/client-secret\0" + self.client_secret.encode()).hexdigest()

    def __repr__(self) -> str:
        return (
            f"CaasCredentials(client_id={self.client_id!r}, client_secret='***', "
            f"intermediary_id={self.intermediary_id!r})"
        )

    __str__ = __repr__
