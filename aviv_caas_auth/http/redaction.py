"""Masking of tokens and secrets in text that ends up in exception messages and logs.

Hand-written (a few regular expressions): no maintained library targets "mask OAuth tokens in
an arbitrary HTTP body". It masks, wherever they appear: the exact secrets it is given (the
request's bearer token), ``Bearer <token>`` credentials, JWTs (AVIV's access tokens are JWTs),
and the values of JSON members or form fields named like a credential (``access_token``,
``client_secret``, ``password``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
# Secrets shorter than this are not masked by value: masking "t" would garble the whole text.
MIN_SECRET_LENGTH = 8
SNIPPET_LENGTH = 200

_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_CREDENTIAL_MEMBER = re.compile(
    r"""(?ix)
    (["']?\b(?:access_token|refresh_token|id_token|token|client_secret|secret|password|api_?key|authorization)\b["']?
     \s*[:=]\s*)
    ("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&,;}\]]+)
    """
)


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with every token or secret it contains replaced by ``***``."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    return _CREDENTIAL_MEMBER.sub(
        lambda m: m.group(1) + (f'"{MASK}"' if m.group(2)[:1] == '"' else MASK), text
    )


def snippet(content: bytes, *, secrets: Iterable[str] = (), length: int = SNIPPET_LENGTH) -> str:
    """The start of a body as one line of at most ``length`` characters, secrets masked."""
    secrets = tuple(secrets)
    # Read far enough that a secret starting within the snippet is seen whole, so it is masked.
    window = length * 8 + sum(len(secret.encode()) for secret in secrets)
    text = content[:window].decode("utf-8", errors="replace")
    text = " ".join(redact(text, secrets=secrets).split())
    return text if len(text) <= length else text[: length - 1] + "…"
