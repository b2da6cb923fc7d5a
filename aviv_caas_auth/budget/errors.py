"""The errors of a shared rate budget: no room in time, or its storage (Redis) unreachable.

Both are ``ApiTransportError`` with ``request_sent=False``: the request they stopped never left,
so it is safe to send again whatever its method, and the workflows treat it like any request
that could not go out (``publish`` raises it, ``wait_for_status`` polls again until its timeout).
"""

from __future__ import annotations

from aviv_caas_auth.errors import ApiConnectionError, ApiTimeoutError, CaasError


class RateBudgetError(CaasError):
    """A request was not sent because the shared rate budget could not let it through."""


class RateBudgetTimeoutError(RateBudgetError, ApiTimeoutError):
    """The budget had no room (or was paused by a 429) for longer than the call may wait.

    ``waited``: seconds already waited; ``needed``: seconds it would still have had to wait (a
    pause's remainder or the time until the window frees a slot).
    """

    def __init__(self, message: str, *, key: str, waited: float, needed: float) -> None:
        super().__init__(message, attempts=0, request_sent=False)
        self.key = key
        self.waited = waited
        self.needed = needed


class RateBudgetUnavailableError(RateBudgetError, ApiConnectionError):
    """The budget's shared storage (Redis) could not be reached; nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, attempts=0, request_sent=False)


def extra_missing(missing: ModuleNotFoundError, what: str, extras: str) -> ModuleNotFoundError:
    """``missing`` (a dependency not installed) as the error naming the extras that install it."""
    from aviv_caas_auth.extras import install_command

    return ModuleNotFoundError(
        f"{what} needs the {missing.name} library, which is not installed: {install_command(extras)}",
        name=missing.name,
    )
