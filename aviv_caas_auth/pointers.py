"""JSON pointers (RFC 6901), the one way every field error of this library names a member.

``validate()``, ``create_client(validate_requests=True)``, the local sandbox's 400 answers and the
webhook receivers all name members with :func:`pointer`, so that a member called ``a/b~c`` is
``/a~1b~0c`` everywhere, as RFC 6901 section 3 requires, and a pointer always finds its member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def escape_token(token: str | int) -> str:
    """One reference token of a JSON pointer: ``~`` becomes ``~0``, then ``/`` becomes ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """The JSON pointer made of ``tokens``: ``pointer("data", "a/b")`` is ``/data/a~1b``; none: ``""``."""
    return "".join("/" + escape_token(token) for token in tokens)


def tokens(json_pointer: str) -> list[str]:
    """The unescaped reference tokens of ``json_pointer`` (``#`` ignored): :func:`pointer` reversed."""
    return [t.replace("~1", "/").replace("~0", "~") for t in json_pointer.lstrip("#").split("/")[1:]]


def resolve(document: Any, json_pointer: str, default: Any = None) -> Any:
    """The value ``json_pointer`` points at in ``document`` (``#`` ignored), or ``default`` if none."""
    node = document
    for token in tokens(json_pointer):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return default
    return node
