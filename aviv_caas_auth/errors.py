"""The exceptions aviv-caas raises. Their messages never contain a client secret or an access token."""

from __future__ import annotations


class CaasError(Exception):
    """Base class of all aviv-caas errors."""


class ConfigurationError(CaasError, ValueError):
    """A setting given to aviv-caas is invalid (the message says which, and how to fix it)."""


class ArgumentTypeError(CaasError, TypeError):
    """A function got an argument of the wrong kind (a dict for a model, a parsed value for a Response...).

    The message says what to pass instead.
    """


class CredentialsError(ConfigurationError):
    """Client credentials are missing or malformed."""


class InsecureTransportError(ConfigurationError):
    """A bearer token or client secret would travel over plain http to a host that is not loopback."""


class TokenError(CaasError):
    """No access token could be obtained from AVIV's token endpoint.

    ``traceparent`` is the one the token request carried (or its answer's), also in the message.
    """

    def __init__(self, message: str, *, traceparent: str | None = None) -> None:
        super().__init__(message)
        self.traceparent = traceparent


class TokenEndpointError(TokenError):
    """The token endpoint refused the request (4xx), e.g. ``invalid_client`` or ``access_denied``."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        error: str | None = None,
        error_description: str | None = None,
        traceparent: str | None = None,
    ) -> None:
        super().__init__(message, traceparent=traceparent)
        self.status = status
        self.error = error
        self.error_description = error_description


class TokenServerError(TokenError):
    """The token endpoint failed (5xx or another status); ``retry_after``: the wait it asked for, if any."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        retry_after: float | None = None,
        traceparent: str | None = None,
    ) -> None:
        super().__init__(message, traceparent=traceparent)
        self.status = status
        self.retry_after = retry_after


class TokenRateLimitedError(TokenServerError):
    """The token endpoint answered 429; ``retry_after`` is the wait it asked for, in seconds, if any."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        retry_after: float | None = None,
        traceparent: str | None = None,
    ) -> None:
        super().__init__(message, status=status, retry_after=retry_after, traceparent=traceparent)


class TokenTimeoutError(TokenError):
    """The token request timed out."""


class TokenConnectionError(TokenError):
    """The token endpoint could not be reached."""


class MalformedTokenResponseError(TokenError):
    """The token endpoint answered 2xx with something that is not a usable bearer token."""


class TokenRefreshLoopError(TokenError):
    """A refresh returned a token that expires no later than the one it should replace."""


class ApiTransportError(CaasError):
    """An API request got no usable answer: the network, a proxy or the connection failed.

    Raised by the calls of a ``create_client`` client instead of httpx's exceptions, once the
    retry policy gave up. (An answer, however bad, is an ``ApiError`` instead.)

    Attributes:
        method, url: the request.
        traceparent: the W3C traceparent of its last attempt, to quote to AVIV support.
        attempts: how many attempts were made.
        request_sent: False when the request provably never left (it is safe to send again,
            whatever its method); True when it may have reached AVIV.

    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        traceparent: str | None = None,
        attempts: int = 1,
        request_sent: bool = True,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.traceparent = traceparent
        self.attempts = attempts
        self.request_sent = request_sent


class ApiTimeoutError(ApiTransportError):
    """An API request timed out (connecting, sending, or waiting for the answer)."""


class ApiConnectionError(ApiTransportError):
    """An API request failed on the network: refused or broken connection, proxy, TLS."""
