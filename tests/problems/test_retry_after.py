"""Retry-After in both forms (delay-seconds and HTTP-date), relative to an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aviv_caas_auth.http.retry_after import parse_retry_after

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),  # IMF-fixdate
        ("Saturday, 01-Mar-25 12:01:00 GMT", 60.0),  # obsolete RFC 850
        ("Sat Mar  1 12:00:05 2025", 5.0),  # obsolete asctime
        ("Sat, 01 Mar 2025 11:59:00 GMT", 0.0),  # already past
    ],
)
def test_both_forms_are_read_relative_to_the_clock(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_the_clock_is_the_one_injected() -> None:
    date = "Sat, 01 Mar 2025 12:00:30 GMT"
    assert parse_retry_after(date, now=NOW + 10) == 20.0
    assert parse_retry_after(date, now=NOW - 10) == 40.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Sat, 99 Foo 2025"])
def test_absent_or_unreadable_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None
