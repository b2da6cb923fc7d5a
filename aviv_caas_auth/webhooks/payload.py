"""The body of AVIV's status callback: a ``ClassifiedStatus``, read by the tolerant reader."""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.apis import DEFAULT_API, ApiVersion, package_of
from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.webhooks.member_types import type_problem

if TYPE_CHECKING:
    import aviv_caas_client.models
    import aviv_caas_client_v4.models

    ClassifiedStatus = aviv_caas_client.models.ClassifiedStatus | aviv_caas_client_v4.models.ClassifiedStatus

SOURCE = "a status callback (webhook)"
"""How the tolerant reader's messages name what it read."""


class WebhookPayloadError(CaasError, ValueError):
    """A status callback's body is not a ``ClassifiedStatus`` (not JSON, or members missing or mistyped)."""


def parse_status_callback(
    body: bytes | str | Mapping[str, Any], *, api: ApiVersion = DEFAULT_API, package: str | None = None
) -> ClassifiedStatus:
    """The ``ClassifiedStatus`` a callback carried (raw bytes, text, or parsed JSON).

    Read like an answer: a status or portal AVIV added since this client was generated is kept
    (an ``UnknownEnumValue``) and logged once as coming from a status callback. ``api`` ("v3" or
    "v4": its model, with ``media_statuses`` in v4) or ``package`` (a generated package) names the
    model to use. Raises :class:`WebhookPayloadError` when the body is not a status, whatever the
    reason (not UTF-8, not JSON, NaN or Infinity, nested too deeply to decode, members missing or
    mistyped: a number for ``message``, a string for ``portals``...): the receivers answer it with
    a 400, never as a handler failure. The message names a mistyped member by JSON pointer.
    """
    package = package or package_of(api)
    types = importlib.import_module(f"{package}.types")
    model = importlib.import_module(f"{package}.models").ClassifiedStatus
    try:
        document = body if isinstance(body, Mapping) else json.loads(body, parse_constant=_not_json)
    except WebhookPayloadError:
        raise
    except RecursionError as error:  # b"[" * 60000: hostile, and still only a body that is not a status
        nesting = "a status callback must be JSON nested a few levels, not thousands"
        raise WebhookPayloadError(nesting) from error
    except ValueError as error:  # UnicodeDecodeError included
        raise WebhookPayloadError(f"a status callback must be JSON ({type(error).__name__})") from error
    if not isinstance(document, Mapping):
        raise WebhookPayloadError(f"a status callback must be a JSON object, not {type(document).__name__}")
    problem = type_problem(document, model)  # before reading: refused, not logged as a new enum value
    if problem is not None:
        raise WebhookPayloadError(f"the status callback is not a ClassifiedStatus: {problem}")
    reading = types.READING.set(SOURCE)
    try:
        status = model.from_dict(document)
    except (*types.PARSE_ERRORS, OverflowError) as error:  # whatever reading it raises: the body's fault
        what = f"missing member {error}" if isinstance(error, KeyError) else type(error).__name__
        raise WebhookPayloadError(f"the status callback is not a ClassifiedStatus ({what})") from error
    finally:
        types.READING.reset(reading)
    return status  # type: ignore[no-any-return]


def _not_json(constant: str) -> Any:
    """``json.loads``'s hook for NaN and (-)Infinity, which Python accepts and JSON (RFC 8259) has not."""
    raise WebhookPayloadError(f"a status callback must be JSON, and {constant} is not JSON (RFC 8259)")
