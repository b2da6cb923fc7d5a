"""unwrap, the typed errors and find_classified_id read v4's answers as they read v3's (local sandbox).

Each version's overlay defines the same problem model (``ErrorResponse``); an error keeps the parsed
problem of the client's own package.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from aviv_caas_auth import (
    DuplicatedClassifiedError,
    NotFoundError,
    ValidationError,
    error_from_response,
    find_classified_id,
    find_classified_id_async,
    unwrap,
)
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.sandbox import ManualClock, Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows.endpoints import endpoints_of
from tests.sandbox.conftest import version_client


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox.start(clock=ManualClock()) as started:
        yield started
        assert started.internal_errors() == []


def body(offerer_estate_id: str) -> dict[str, Any]:
    document = paris_apartment_for_sale()
    document["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    return document


@pytest.mark.parametrize("api", list(PACKAGES))
def test_duplicates_not_found_and_validation_are_typed_in_each_version(sandbox: Sandbox, api: Any) -> None:
    client = version_client(sandbox, api)
    ops = endpoints_of(client)
    create, model = ops.module("create_classified"), ops.body_model("create_classified")
    reference = f"CRM-{api}-{uuid.uuid4().hex[:6]}"
    accepted = unwrap(create.sync_detailed(client=client, body=model.from_dict(body(reference))))

    with pytest.raises(DuplicatedClassifiedError) as duplicated:
        unwrap(create.sync_detailed(client=client, body=model.from_dict(body(reference))))
    error = duplicated.value
    assert error.offerer_estate_id == reference
    assert type(error.problem).__module__.startswith(f"{PACKAGES[api]}.models.")  # the client's own model
    assert error.traceparent
    assert error.traceparent in str(error)
    assert find_classified_id(client, reference) == accepted.classified_id
    assert asyncio.run(find_classified_id_async(client, reference)) == accepted.classified_id
    assert find_classified_id(client, "CRM-nobody") is None

    with pytest.raises(NotFoundError):
        unwrap(ops.module("get_classified").sync_detailed(uuid.uuid4(), client=client))

    invalid = body(f"{reference}-bad")
    invalid["data"]["location"]["floor"] = 3
    with pytest.raises(ValidationError) as rejected:
        unwrap(create.sync_detailed(client=client, body=model.from_dict(invalid)))
    assert rejected.value.pointers == ("/data/location/floor",)


@pytest.mark.parametrize("api", list(PACKAGES))
def test_a_raw_answer_is_read_with_the_version_s_problem_model(sandbox: Sandbox, api: Any) -> None:
    answer = httpx.get(sandbox.base_url_for("sandbox", api=api) + "/classifieds")  # no User-Agent, no token
    error = error_from_response(answer, api=api)
    assert error.status == 403
    assert type(error.problem).__module__.startswith(f"{PACKAGES[api]}.models.")
    assert error.traceparent == answer.headers["traceparent"]
