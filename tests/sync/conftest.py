"""The sync against the local sandbox, on frozen clocks that only the workflows' waits move.

Reuses the workflow suite's fixtures (``sandbox``, ``api``, ``make_client``, ``client``, ``poll``):
every sandbox is checked at teardown against the specs, and sandbox-backed tests run per version.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aviv_caas_auth.sandbox import Sandbox
from tests.workflows.conftest import (  # noqa: F401 - fixtures
    api,
    caas_sandbox_factory,
    checker,
    classified,
    client,
    make_client,
    poll,
    sandbox,
    sandbox_config,
    sleeps,
    spec,
    specs,
    tenant,
)


def feed(count: int, *, prefix: str = "REF") -> list[dict[str, Any]]:
    """``count`` distinct listings (JSON), REF-0000, REF-0001, ..."""
    return [classified(f"{prefix}-{n:04d}", price=400_000 + n) for n in range(count)]


def writes(sb: Sandbox) -> Counter[str]:
    """The write operations the sandbox answered, by operationId."""
    names = {"createClassified", "updateClassified", "deleteClassified", "SetClassified"}
    return Counter(e.operation_id for e in sb.exchanges() if e.kind == "api" and e.operation_id in names)


def inventory(sb: Sandbox, intermediary_id: str | None = None) -> dict[str, dict[str, Any]]:
    """The sandbox's live classifieds of an agency, by offererEstateId (asserting there are no duplicates)."""
    c = sb.credentials
    records = sb.app.store.classifieds(("sandbox", c.client_id, intermediary_id or c.intermediary_id))
    keys = [record.offerer_estate_id for record in records]
    assert len(keys) == len(set(keys)), "duplicate classifieds"
    return {record.offerer_estate_id: record.body for record in records}


def as_sent(of: Any, listings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The listings by offererEstateId as the model of client ``of`` sends them (dates as it writes them)."""
    from aviv_caas_auth.workflows.endpoints import endpoints_of

    model = endpoints_of(of).body_model("create_classified")
    sent = [model.from_dict(listing).to_dict() for listing in listings]
    return {body["data"]["metaData"]["source"]["offererEstateId"]: body for body in sent}
