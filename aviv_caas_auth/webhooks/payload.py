"""The body of AVIV's status callback: a ``ClassifiedStatus``, read by the tolerant reader."""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.errors import CaasError

if TYPE_CHECKING:
    from aviv_caas_client.models import ClassifiedStatus

SOURCE = "a status callback (webhook)"
"""How the tolerant reader's messages name what it read."""


class WebhookPayloadError(CaasError, ValueError):
    """A status callback's body is not a ``ClassifiedStatus`` (not JSON, or members missing or mistyped)."""


def parse_status_callback(
    body: bytes | str | Mapping[str, Any], *, package: str = "aviv_caas_client"
) -> ClassifiedStatus:
    """The ``ClassifiedStatus`` a callback carried (raw bytes, text, or parsed JSON).

    Read like an answer: a status or portal AVIV added since this client was generated is kept
    (an ``UnknownEnumValue``) and logged once as coming from a status callback. ``package`` is the
    generated package whose model to use. Raises :class:`WebhookPayloadError` when the body is not
    a status.
    """
    types = importlib.import_module(f"{package}.types")
    model = importlib.import_module(f"{package}.models").ClassifiedStatus
    try:
        document = body if isinstance(body, Mapping) else json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookPayloadError(f"a status callback must be JSON ({type(error).__name__})") from error
    if not isinstance(document, Mapping):
        raise WebhookPayloadError(f"a status callback must be a JSON object, not {type(document).__name__}")
    reading = types.READING.set(SOURCE)
    try:
        status = model.from_dict(document)
    except types.PARSE_ERRORS as error:
        what = f"missing member {error}" if isinstance(error, KeyError) else type(error).__name__
        raise WebhookPayloadError(f"the status callback is not a ClassifiedStatus ({what})") from error
    finally:
        types.READING.reset(reading)
    return status  # type: ignore[no-any-return]
