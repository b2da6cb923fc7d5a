"""How shared stores write a token down (one JSON record per key) and why they refuse to read one back.

A record names its key by ``TokenKey.digest`` only: no client id, no secret. Anything that is not a
well-formed record for the expected key raises ``InvalidRecord``; stores ignore such a record (with a
warning) and the next token written replaces it.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from aviv_caas_auth.tokens.token import AccessToken, TokenKey, lifetime_problem, value_problem

FORMAT: Final = "aviv-caas/token/1"
"""Written in every record, so a future layout can be told apart."""


class InvalidRecord(ValueError):
    """A stored record that must not be used; the message says why (never with the token in it)."""


def encode(key: TokenKey, token: AccessToken) -> bytes:
    """The record of ``token`` stored under ``key``."""
    record = {
        "format": FORMAT,
        "key": key.digest,
        "access_token": token.value,
        "token_type": token.token_type,
        "expires_in": token.expires_in,
        "expires_at": token.expires_at,
    }
    return json.dumps(record, separators=(",", ":")).encode()


def decode(key: TokenKey, data: bytes | str) -> AccessToken:
    """The token in ``data`` if it is a well-formed record for ``key``; ``InvalidRecord`` otherwise."""
    try:
        record: Any = json.loads(data)
    except ValueError as exc:  # also UnicodeDecodeError
        raise InvalidRecord(f"not JSON ({_position(exc)}); truncated or corrupted") from None
    if not isinstance(record, dict):
        raise InvalidRecord(f"a JSON {type(record).__name__}, not a token record")
    if record.get("format") != FORMAT:
        raise InvalidRecord(f"unknown format {_short(record.get('format'))}, expected {FORMAT!r}")
    if record.get("key") != key.digest:
        raise InvalidRecord("a record for another key (copied or renamed?)")
    value, token_type = record.get("access_token"), record.get("token_type")
    if (problem := value_problem(value)) is not None or not isinstance(value, str):
        raise InvalidRecord(f"no usable access_token: {problem}")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise InvalidRecord(f"token_type is {_short(token_type)}, not 'Bearer'")
    expires_in, expires_at = _number(record.get("expires_in")), _number(record.get("expires_at"))
    if expires_in is None:
        raise InvalidRecord("expires_in is not a positive number")
    if (problem := lifetime_problem(expires_in)) is not None:
        raise InvalidRecord(problem)
    if expires_at is None:
        raise InvalidRecord("expires_at is not a number")
    return AccessToken(value=value, expires_in=expires_in, expires_at=expires_at)


def _number(value: object) -> float | None:
    """``value`` as a finite float, or None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _position(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos}"
    return "not UTF-8"
