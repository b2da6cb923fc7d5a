"""Workflows: what a CRM writes on top of the endpoints, done once. One module per workflow.

Like the generated endpoints, each module has ``sync(...)`` and ``asyncio(...)``, and works with
any client of a generated package, v3 or v4 (``create_client``'s, or one you built):

- :mod:`~aviv_caas_auth.workflows.iter_classifieds` — every classified, over every page.
- :mod:`~aviv_caas_auth.workflows.wait_for_status` — the final status of a write, or a typed error.
- :mod:`~aviv_caas_auth.workflows.publish` — create or update by offererEstateId (an upsert).
- :mod:`~aviv_caas_auth.workflows.publish_many` — many publishes, bounded concurrency, ordered outcomes.

    from aviv_caas_auth.workflows import publish
    result = publish.sync(client, classified)

Their decisions are generators of effects (:mod:`~aviv_caas_auth.workflows.effects`) driven by
a sync and an async runner; the endpoint modules are looked up in the client's own generated
package (:mod:`~aviv_caas_auth.workflows.endpoints`).
"""

from aviv_caas_auth.workflows.errors import (
    ClassifiedProcessingError,
    FrozenSandboxClockError,
    InvalidClassifiedError,
    MediaProcessingError,
    StatusTimeoutError,
)
from aviv_caas_auth.workflows.media import MediaFailure
from aviv_caas_auth.workflows.pages import ListingTimeoutError, PaginationError
from aviv_caas_auth.workflows.polling import PollPolicy
from aviv_caas_auth.workflows.publish import PublishResult
from aviv_caas_auth.workflows.publish_many import Progress

__all__ = [
    "ClassifiedProcessingError",
    "FrozenSandboxClockError",
    "InvalidClassifiedError",
    "ListingTimeoutError",
    "MediaFailure",
    "MediaProcessingError",
    "PaginationError",
    "PollPolicy",
    "Progress",
    "PublishResult",
    "StatusTimeoutError",
]
