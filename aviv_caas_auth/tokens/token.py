"""An access token and the key it is cached under."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import attrs

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints


def utc_iso(epoch_seconds: float) -> str:
    """An epoch time as ISO 8601 UTC, for messages and logs."""
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds")


@attrs.frozen(repr=False)
class AccessToken:
    """A bearer token and when it expires.

    ``expires_at`` is wall-clock time (Unix seconds) so stores can share it between processes and
    hosts; ``expires_in`` is the lifetime AVIV granted. ``repr()`` shows a fingerprint, never the value.
    """

    value: str
    expires_in: float
    expires_at: float
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret

    @property
    def fingerprint(self) -> str:
        """A short one-way digest of the value, safe for logs and comparisons."""
        return hashlib.sha256(self.value.encode()).hexdigest()[:12]

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value."""
        return f"Bearer {self.value}"

    def __repr__(self) -> str:
        return (
            f"AccessToken(fingerprint={self.fingerprint!r}, expires_in={self.expires_in:g}, "
            f"expires_at={utc_iso(self.expires_at)!r})"
        )

    __str__ = __repr__


@attrs.frozen
class TokenKey:
    """What a token is valid for: token URL, client, audience and agency, plus a digest of the secret.

    Two clients with equal keys share one token; a rotated secret gives a new key. The key holds no
    secret; ``digest`` hides the client id too (for file names and Redis keys).
    """

    token_url: str
    client_id: str
    audience: str
    intermediary_id: str
    secret_digest: str = attrs.field(repr=False)

    @classmethod
    def of(cls, credentials: CaasCredentials, endpoints: Endpoints) -> TokenKey:
        """The key for ``credentials`` used against ``endpoints``."""
        return cls(
            token_url=endpoints.token_url,
            client_id=credentials.client_id,
            audience=endpoints.audience,
            intermediary_id=credentials.intermediary_id,
            secret_digest=credentials.secret_digest,
        )

    @property
    def digest(self) -> str:
        """A hex digest of the whole key."""
        parts = (self.token_url, self.client_id, self.audience, self.intermediary_id, self.secret_digest)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def describe(self) -> str:
        """A human description for logs and messages (no secret)."""
        return f"client_id={self.client_id} intermediary_id={self.intermediary_id} audience={self.audience}"
