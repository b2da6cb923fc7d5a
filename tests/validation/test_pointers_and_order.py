"""Issue 19, items 4 and 5: RFC 6901 pointers in every field error; validate_requests checks before any token.

Item 4: a member named ``a/b~c`` is ``a~1b~0c`` in a JSON pointer (RFC 6901 section 3), in
``validate()`` and in the local sandbox's 400 answers alike (one shared pointer function).
Item 5: ``create_client(validate_requests=True)`` refuses an invalid body before anything is sent,
a token request included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import jsonpointer
import pytest

from aviv_caas_auth import MemoryTokenStore, token_provider_of
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.validation import RequestValidationError, validate
from aviv_caas_client import AuthenticatedClient
from tests.sandbox.conftest import api as plain_client
from tests.sandbox.conftest import fetch_token
from tests.workflows.conftest import classified, endpoint, model

AWKWARD = "a/b~c"  # both characters RFC 6901 escapes
ESCAPED = "a~1b~0c"


def with_unknown_member(*where: str) -> dict[str, Any]:
    """The sample classified with a member AVIV does not declare, named ``a/b~c``, under ``where``."""
    body = paris_apartment_for_sale()
    node = body
    for key in where:
        node = node[key]
    node[AWKWARD] = 1
    return body


@pytest.mark.parametrize("where", [(), ("data", "location")])
def test_validate_escapes_member_names_in_pointers(where: tuple[str, ...]) -> None:
    body = with_unknown_member(*where)
    (error,) = validate(body)
    assert error.name == "".join(f"/{key}" for key in where) + f"/{ESCAPED}"
    assert jsonpointer.resolve_pointer(body, error.name) == 1  # the pointer finds the member


def test_the_sandbox_escapes_member_names_in_its_400s(sandbox: Sandbox) -> None:
    body = with_unknown_member("data", "location")
    with plain_client(sandbox, fetch_token(sandbox)) as client:
        problem = client.post("/classifieds", json=body).json()
    assert [error["name"] for error in problem["errors"]] == [f"/data/location/{ESCAPED}"]
    assert problem["errors"] == [{"name": e.name, "reason": e.reason} for e in validate(body)]


def test_the_sandbox_names_a_refused_patch_path_by_pointer(sandbox: Sandbox) -> None:
    from tests.sandbox.conftest import create

    with plain_client(sandbox, fetch_token(sandbox)) as client:
        classified_id = create(client)
        patch = [{"op": "remove", "path": "/data/nothing/here"}]
        answer = client.patch(
            f"/classifieds/{classified_id}",
            json=patch,
            headers={"content-type": "application/json-patch+json"},
        )
    assert answer.status_code == 400
    assert [error["name"] for error in answer.json()["errors"]] == ["/0/path"]


# -- item 5 ----------------------------------------------------------------------------------------


def test_validate_requests_sends_no_token_request_for_an_invalid_body(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox
) -> None:
    client = make_client(validate_requests=True, token_store=MemoryTokenStore())  # no token cached yet
    create = endpoint(client, "create_classified")
    body = model(client, "AvivClassified").from_dict({**paris_apartment_for_sale(), "portals": ["XX"]})

    with pytest.raises(RequestValidationError, match="nothing was sent"):
        create.sync_detailed(client=client, body=body)

    async def run() -> None:
        try:
            with pytest.raises(RequestValidationError, match="nothing was sent"):
                await create.asyncio_detailed(client=client, body=body)
        finally:
            await client.get_async_httpx_client().aclose()

    asyncio.run(run())
    assert token_provider_of(client).token_requests == 0
    assert sandbox.exchanges() == []  # nothing at all: no token request, no API call
    valid = model(client, "AvivClassified").from_dict(classified("CRM-VALID-FIRST"))
    assert create.sync_detailed(client=client, body=valid).status_code == 202  # a valid body goes
    assert token_provider_of(client).token_requests == 1
