"""The ``timeout`` setting of ``create_client`` and ``TokenProvider``, checked when it is given.

httpx accepts only some of what a caller may pass (``timeout="30"`` fails at the first request,
``timeout=-1`` never times out sensibly); this refuses the rest at once, saying what to pass.
"""

from __future__ import annotations

import math

import httpx

from aviv_caas_auth.errors import ConfigurationError


def checked_timeout(timeout: object) -> httpx.Timeout | None:
    """``timeout`` as httpx takes it: an ``httpx.Timeout``, None (no timeout), or seconds > 0."""
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return timeout
    number = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if number and timeout > 0 and not math.isnan(timeout):  # type: ignore[operator,arg-type]
        return httpx.Timeout(timeout)  # type: ignore[arg-type]
    raise ConfigurationError(
        f"timeout must be a number of seconds > 0 (e.g. timeout=30), an httpx.Timeout (e.g. "
        f"httpx.Timeout(30, connect=10)), or None for no timeout; got {timeout!r} ({type(timeout).__name__})"
    )
