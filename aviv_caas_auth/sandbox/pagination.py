"""``limit``/``nextToken`` pagination with opaque cursor tokens.

A token is the base64 of a small JSON cursor (as AVIV's look): the listing it belongs to and
the position (a creation sequence number) after which the next page starts. Items created or
deleted between two pages therefore never make another item appear twice or vanish.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from aviv_caas_auth.sandbox.problems import FieldError, ProblemError, validation_error

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the token of the next one (``None`` on the last page)."""

    items: list[T]
    next_token: str | None


def encode_token(listing: str, after: int) -> str:
    """The opaque token of the page starting after position ``after`` of ``listing``."""
    cursor = json.dumps({"version": "1", "listing": listing, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(cursor.encode()).decode()


def decode_token(token: str, listing: str) -> int:
    """The position a token resumes after; raises a 400 problem for a token of another listing or junk."""
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
        if cursor["listing"] == listing and isinstance(cursor["after"], int):
            return int(cursor["after"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    reason = "is not a nextToken returned by the previous page of this listing"
    raise ProblemError(validation_error([FieldError("/query/nextToken", reason)], "requestParameter"))


def paginate(
    items: Sequence[T], position: Callable[[T], int], listing: str, limit: int, token: str | None
) -> Page[T]:
    """The page of ``items`` (sorted by ``position``) after ``token``, at most ``limit`` long.

    ``limit`` is bounded by nothing but what AVIV's document states (an integer, no minimum, which
    request validation checks): 0 or less is an empty page, whose ``nextToken`` (when items remain)
    resumes exactly where it started, so nothing is skipped.
    """
    after = decode_token(token, listing) if token else None
    remaining = [item for item in items if after is None or position(item) > after]
    if limit < 1:
        if not remaining:
            return Page([], None)
        start = after if after is not None else position(remaining[0]) - 1
        return Page([], encode_token(listing, start))
    page = remaining[:limit]
    more = len(remaining) > limit
    return Page(page, encode_token(listing, position(page[-1])) if more and page else None)
