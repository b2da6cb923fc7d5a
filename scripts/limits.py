"""How large an OpenAPI document the pipeline reads: bounded work whatever the input.

AVIV's documents are about 0.5 MB, nest 20 levels deep, and their longest string (v4's
``info.description``) is 68 kB. The pipeline's own costs grow with those three figures, some
faster than linearly (openapi-python-client took 4 minutes on one 10 MB description and did not
finish one of 50 MB; python-jsonpath, which applies the overlay, gives up past 100 levels), so a
document is refused, before anything is parsed further or written, when it exceeds

- :data:`MAX_BYTES` (4 MiB, 8 times AVIV's),
- :data:`MAX_DEPTH` (64 levels of objects and arrays, 3 times AVIV's, within python-jsonpath's 100),
- :data:`MAX_STRING` (512 KiB for one string or member name, 7 times AVIV's longest).

Measured (``make update-spec`` of the synthetic next v3 in a copy of the pipeline, one run each,
on a loaded 2-core machine): an ordinary update 12 s and 64 MB; the worst document within the
limits (six 512 KiB descriptions, 3.5 MiB) 16 s and 109 MB; a 50 MB description, which took 88 s
and 1.4 GB (or, in an operation, did not finish in 12 minutes), is refused in 1.6 s. The error says
which limit, by how much, and that the document is not one AVIV publishes.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_STRING = 512 * 1024


SUFFIX = "; AVIV's documents stay far within it (see scripts/limits.py): is this the right file?"


class DocumentLimitError(ValueError):
    """A document exceeds one of this module's limits (the message names it)."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def load_bounded(data: bytes, where: object) -> Any:
    """``data`` parsed as JSON once checked against the limits; DocumentLimitError otherwise.

    ``where`` names the document in messages. ValueError (from ``json``) when it is not JSON.
    """
    if len(data) > MAX_BYTES:
        raise DocumentLimitError(f"{where} is {_mib(len(data))}, over the {_mib(MAX_BYTES)} limit{SUFFIX}")
    try:
        document = json.loads(data)
    except RecursionError as error:
        raise DocumentLimitError(
            f"{where} nests too deep to read (the limit is {MAX_DEPTH} levels){SUFFIX}"
        ) from error
    check_shape(document, where)
    return document


def check_shape(document: Any, where: object) -> None:
    """DocumentLimitError when ``document`` nests deeper than MAX_DEPTH or holds a string over MAX_STRING."""
    pending: list[tuple[Any, int, str]] = [(document, 0, "")]
    while pending:
        node, depth, pointer = pending.pop()
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise DocumentLimitError(
                    f"{where} nests more than {MAX_DEPTH} levels deep (at {pointer[:120] or '/'}...){SUFFIX}"
                )
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                if isinstance(key, str) and len(key) > MAX_STRING:
                    raise DocumentLimitError(
                        f"{where} has a member name over the {_mib(MAX_STRING)} string limit{SUFFIX}"
                    )
                token = str(key).replace("~", "~0").replace("/", "~1")
                pending.append((value, depth + 1, f"{pointer}/{token}"))
        elif isinstance(node, str) and len(node) > MAX_STRING:
            raise DocumentLimitError(
                f"{where}: the string at {pointer[:200] or '/'} is {_mib(len(node))}, over the "
                f"{_mib(MAX_STRING)} limit{SUFFIX}"
            )
