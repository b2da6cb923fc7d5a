"""The token endpoint's logic: check client credentials the way AVIV's Auth0 does, issue and verify tokens."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aviv_caas_auth.sandbox.clock import SandboxTime

REQUIRED_FIELDS = ("client_id", "client_secret", "grant_type", "audience", "intermediary_id")


class OAuthError(Exception):
    """An OAuth 2.0 error answer (RFC 6749 section 5.2), shaped like Auth0's."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        """``{"error": ..., "error_description": ...}``."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class IssuedToken:
    """What the sandbox knows about a token it issued (the token value itself is not kept here)."""

    client_id: str
    intermediary_id: str
    audience: str
    issued_at: float
    expires_at: float

    @property
    def key(self) -> tuple[str, str]:
        """The (client_id, intermediary_id) the token-reuse rule is checked per."""
        return (self.client_id, self.intermediary_id)

    def valid_at(self, now: float) -> bool:
        """Not expired at clock time ``now``."""
        return now < self.expires_at


class TokenIssuer:
    """Issues opaque bearer tokens for registered clients and answers who a token belongs to.

    ``audiences`` are the ones it issues tokens for: the base URL of every environment of every
    API version served (one token endpoint for v3 and v4, as at AVIV).
    """

    def __init__(
        self, clients: Mapping[str, str], expires_in: int, clock: SandboxTime, audiences: Collection[str]
    ) -> None:
        self._clients = clients
        self._audiences = frozenset(audiences)
        self._expires_in = expires_in
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    @property
    def expires_in(self) -> int:
        """Lifetime of every token, in seconds."""
        return self._expires_in

    def issue(self, body: Any) -> tuple[str, IssuedToken]:
        """Check a token request's JSON body; return the new token and its record, or raise ``OAuthError``."""
        if not isinstance(body, dict):
            raise OAuthError(400, "invalid_request", "The request body must be a JSON object")
        for name in REQUIRED_FIELDS:
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise OAuthError(400, "invalid_request", f"Missing required parameter: {name}")
        if body["grant_type"] != "client_credentials":
            raise OAuthError(
                403, "unauthorized_client", f"Grant type '{body['grant_type']}' not allowed for the client."
            )
        secret = self._clients.get(body["client_id"])
        if secret is None or not hmac.compare_digest(secret.encode(), body["client_secret"].encode()):
            raise OAuthError(401, "access_denied", "Unauthorized")
        if body["audience"] not in self._audiences:
            raise OAuthError(403, "access_denied", f"Service not found: {body['audience']}")
        now = self._clock.now()
        record = IssuedToken(
            body["client_id"], body["intermediary_id"], body["audience"], now, now + self._expires_in
        )
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = record
        return token, record

    def lookup(self, token: str) -> IssuedToken | None:
        """The record of a token this sandbox issued, expired or not; ``None`` for any other string."""
        with self._lock:
            return self._tokens.get(token)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
