"""An access token, what makes one usable, and the key it is cached under."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from typing import Final

import attrs

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Endpoints

MAX_LIFETIME: Final = 30 * 86400.0
"""The longest token lifetime accepted, in seconds: 30 days, the most Auth0 (AVIV's token server)
lets an API grant. AVIV grants 24 h; anything longer is a broken answer or record, not a token."""

MIN_LIFETIME: Final = 60.0
"""The shortest token lifetime accepted, in seconds. AVIV grants 86400; a token that lives less than
a minute may expire before its own request has finished (the default timeouts allow 40 s), and
would make the cache ask for a token on nearly every call: a broken answer, not a token. It is a
floor, not a share of the lifetime, because the refresh windows already scale with the lifetime
(a 60 s token still gets its proactive and mandatory windows)."""

MAX_TOKEN_LENGTH: Final = 16 * 1024
"""The longest token accepted, in characters: more than HTTP servers take in one header."""

_NOT_HEADER_SAFE = re.compile(r"[^\x21-\x7e]")
"""Anything but visible ASCII: control characters (CR, LF, NUL), spaces, non-ASCII letters."""


def utc_iso(epoch_seconds: float) -> str:
    """An epoch time as ISO 8601 UTC, for messages and logs (any float, even one past year 9999)."""
    try:
        return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return f"{epoch_seconds:g} s after the epoch"


def value_problem(value: object) -> str | None:
    """Why ``value`` cannot be sent as ``Authorization: Bearer <value>``, or None. Never quotes the value."""
    if not isinstance(value, str) or not value:
        return "no access_token"
    if len(value) > MAX_TOKEN_LENGTH:
        return (
            f"the access_token is {len(value)} characters long, longer than an HTTP header may carry "
            f"({MAX_TOKEN_LENGTH})"
        )
    bad = _NOT_HEADER_SAFE.search(value)
    if bad is not None:
        char = bad.group()
        kind = (
            "a control character"
            if ord(char) < 0x20 or ord(char) == 0x7F
            else ("a space" if char == " " else "a character that is not ASCII")
        )
        return (
            f"the access_token holds {kind} (U+{ord(char):04X} at position {bad.start()}), which no HTTP "
            "header can carry"
        )
    return None


def lifetime_problem(expires_in: float) -> str | None:
    """Why ``expires_in`` (seconds) is not a usable token lifetime, or None."""
    if math.isnan(expires_in) or expires_in <= 0:
        return "expires_in is not a positive number of seconds"
    if expires_in < MIN_LIFETIME:
        return (
            f"expires_in is {expires_in:g} s, shorter than any usable token lives (at least "
            f"{MIN_LIFETIME:g} s; AVIV grants 86400)"
        )
    if expires_in > MAX_LIFETIME:
        return (
            f"expires_in is {expires_in:g} s ({expires_in / 86400:,.0f} days), longer than any token lives "
            f"(at most {MAX_LIFETIME:g} s, 30 days; AVIV grants 86400)"
        )
    return None


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
        return hashlib.sha256(self.value.encode("utf-8", "surrogatepass")).hexdigest()[:12]

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
