"""The ``Retry-After`` header (RFC 9110 §10.2.3): how long to wait, in seconds, relative to a clock.

Both forms are read: delay-seconds (``120``) and an HTTP-date, in any of the three formats RFC
9110 requires recipients to accept (IMF-fixdate, RFC 850, asctime), parsed by the standard
library's :func:`email.utils.parsedate_to_datetime`.
"""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime

_DELAY_SECONDS = re.compile(r"[0-9]+")


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from ``now`` (a POSIX timestamp) before retrying, or None.

    None when the header is absent or unreadable. A date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # asctime dates carry no zone; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
