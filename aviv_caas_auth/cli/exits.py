"""The exit codes of ``aviv-caas``, for a cron job to act on, and the error each one stands for.

====  ===================================================================================
code  meaning
====  ===================================================================================
0     done: everything succeeded (a dry run: the plan was made)
1     done, but some listings failed (or AVIV refused the request): see the output
2     usage error: a wrong option or argument (click's own)
3     configuration or credentials: a missing variable, a bad value, credentials refused
4     refused by the mass-withdrawal guard: nothing was sent
5     AVIV unreachable or unavailable: no connection, timeouts, 5xx, rate limited to the end
6     the feed cannot be read or synced (not JSON, not a list, a bad listing): nothing was sent
====  ===================================================================================
"""

from __future__ import annotations

from aviv_caas_auth.errors import (
    ApiTransportError,
    CaasError,
    ConfigurationError,
    TokenConnectionError,
    TokenEndpointError,
    TokenError,
    TokenServerError,
    TokenTimeoutError,
)

OK = 0
FAILED = 1
USAGE = 2
CONFIGURATION = 3
REFUSED = 4
UNREACHABLE = 5
BAD_FEED = 6


class FeedFileError(CaasError):
    """The feed file cannot be read (missing, not JSON, not a list of classifieds)."""


def code_of(error: BaseException) -> int:
    """The exit code for an error that ended a command."""
    from aviv_caas_auth.problems.errors import (
        ForbiddenError,
        RateLimitedError,
        ServerError,
        UnauthorizedError,
    )
    from aviv_caas_auth.sync.errors import FeedError, WithdrawalRefusedError

    if isinstance(error, WithdrawalRefusedError):
        return REFUSED
    if isinstance(error, FeedError | FeedFileError):
        return BAD_FEED
    if isinstance(error, TokenConnectionError | TokenTimeoutError | TokenServerError | ApiTransportError):
        return UNREACHABLE
    if isinstance(error, ServerError | RateLimitedError):
        return UNREACHABLE
    if isinstance(error, ConfigurationError | TokenEndpointError | UnauthorizedError | ForbiddenError):
        return CONFIGURATION
    if isinstance(error, TokenError):
        return CONFIGURATION
    return FAILED
