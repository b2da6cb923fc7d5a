"""The exceptions aviv-caas raises. Their messages never contain a client secret or an access token."""

from __future__ import annotations


class CaasError(Exception):
    """Base class of all aviv-caas errors."""


class ConfigurationError(CaasError, ValueError):
    """A setting given to aviv-caas is invalid (the message says which, and how to fix it)."""


class CredentialsError(ConfigurationError):
    """Client credentials are missing or malformed."""


class InsecureTransportError(ConfigurationError):
    """A bearer token or client secret would travel over plain http to a host that is not loopback."""


class TokenError(CaasError):
    """No access token could be obtained from AVIV's token endpoint."""


class TokenEndpointError(TokenError):
    """The token endpoint refused the request (4xx), e.g. ``invalid_client`` or ``access_denied``."""

    def __init__(
        self, message: str, *, status: int = 0, error: str | None = None, error_description: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.error_description = error_description


class TokenServerError(TokenError):
    """The token endpoint failed (5xx or an unexpected status)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class TokenTimeoutError(TokenError):
    """The token request timed out."""


class TokenConnectionError(TokenError):
    """The token endpoint could not be reached."""


class MalformedTokenResponseError(TokenError):
    """The token endpoint answered 2xx with something that is not a usable bearer token."""


class TokenRejectedError(CaasError):
    """The API answered 401 to a freshly obtained token, so fetching yet another one would not help."""

    def __init__(self, message: str, *, status: int = 401, traceparent: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.traceparent = traceparent


class TokenRefreshLoopError(TokenError):
    """A refresh returned a token that expires no later than the one it should replace."""
