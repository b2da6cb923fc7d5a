r"""Masking of tokens and secrets in text that ends up in exception messages and logs.

Hand-written (a few regular expressions): no maintained library targets "mask OAuth tokens in
an arbitrary HTTP body". It masks, wherever they appear: the secrets it is given (the request's
bearer token, the client secret) as they are and as a server may echo them back (JSON-escaped,
``\uXXXX``-escaped, HTML-escaped, URL-encoded), ``Bearer <token>`` credentials, JWTs (AVIV's
access tokens are JWTs), and the values of JSON members or form fields named like a credential
(``access_token``, ``client_secret``, ``password``, ...).
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
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


def encodings(secret: str) -> list[str]:
    """``secret`` and the forms a server may echo it in: JSON string escapes, HTML escapes, URL encoding."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],  # \" \\ and \uXXXX for non-ASCII
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }
    forms |= {form.replace("/", "\\/") for form in list(forms) if "/" in form}  # JSON's optional \/
    return sorted(forms, key=len, reverse=True)  # longest first: a form never half-masks a longer one


def redact(text: str, *, secrets: Iterable[str] = (), min_length: int = MIN_SECRET_LENGTH) -> str:
    """``text`` with every token or secret it contains, in any of its ``encodings``, replaced by ``***``.

    Secrets shorter than ``min_length`` are not masked by value (see ``MIN_SECRET_LENGTH``).
    """
    for secret in secrets:
        if len(secret) >= min_length:
            for form in encodings(secret):
                text = text.replace(form, MASK)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    return _CREDENTIAL_MEMBER.sub(
        lambda m: m.group(1) + (f'"{MASK}"' if m.group(2)[:1] == '"' else MASK), text
    )


def snippet(
    content: bytes,
    *,
    secrets: Iterable[str] = (),
    length: int = SNIPPET_LENGTH,
    min_length: int = MIN_SECRET_LENGTH,
) -> str:
    """The start of a body as one line of at most ``length`` characters, secrets masked."""
    secrets = tuple(secrets)
    # Mask in a window longer than the snippet (whitespace collapses), then cut. A secret the window
    # cuts in two is masked by neither part: drop the window's last characters, as many as the
    # longest form of a secret has, so no part of it can remain.
    longest = max((len(form) for secret in secrets for form in encodings(secret)), default=0)
    window = length * 8 + 4 * longest  # bytes: up to 4 a character in UTF-8
    text = content[:window].decode("utf-8", errors="replace")
    if len(content) > window:
        text = text[: len(text) - longest]
    text = " ".join(redact(text, secrets=secrets, min_length=min_length).split())
    return text if len(text) <= length else text[: length - 1] + "…"
