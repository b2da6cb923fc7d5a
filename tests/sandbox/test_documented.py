"""The sandbox follows each version's document, not v3's facts (issue 19, item 10).

A problem's ``type`` is the error documentation URI the answering version's document states (v4's
``.../ingest-v4/...``), and ``GET /classifieds?limit=`` is bounded only by what the document states.
Every answer is also checked at teardown against its version's spec (conftest).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.problems import ERRORS_DOC
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from tests.spec.conftest import deref, raw_spec

from .conftest import api, fetch_token


def stated(api_version: str, anchor: str) -> str:
    """The documentation URI of error ``anchor`` that AVIV's pinned document of ``api_version`` states."""
    urls = set(
        re.findall(rf"https?://[^\s\"'()<>\\]+#section/Errors/{anchor}\b", json.dumps(raw_spec(api_version)))
    )
    assert len(urls) == 1, urls  # the document states it, once (whatever else it says around it)
    return urls.pop()


def body(offerer_estate_id: str) -> dict[str, Any]:
    """A classified valid in every version (the sample), under its own offererEstateId."""
    classified = paris_apartment_for_sale()
    classified["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    return classified


def create(client: Any, offerer_estate_id: str) -> str:
    answer = client.post("/classifieds", json=body(offerer_estate_id))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["classifiedId"])


def client_of(sandbox: Sandbox, api_version: str) -> Any:
    audience = sandbox.audience_for("sandbox", api=api_version)
    return api(
        sandbox, fetch_token(sandbox, audience=audience), sandbox.base_url_for("sandbox", api=api_version)
    )


@pytest.mark.parametrize("api_version", list(PACKAGES))
def test_problem_types_are_the_answering_version_s_documentation(
    caas_sandbox: Sandbox, api_version: str
) -> None:
    with client_of(caas_sandbox, api_version) as client:
        invalid = client.post("/classifieds", json={"data": {}})
        create(client, "REF-DUP")
        duplicated = client.post("/classifieds", json=body("REF-DUP"))
    assert invalid.status_code == duplicated.status_code == 400
    assert invalid.json()["type"] == stated(api_version, "Validation-Error")
    assert duplicated.json()["type"] == stated(api_version, "Duplicated-Classifieds-Error")


def test_v4_problems_point_to_v4_s_documentation(caas_sandbox: Sandbox) -> None:
    """The issue's case: v4's answers named v3's documentation (``.../ingest-v3/...``)."""
    with client_of(caas_sandbox, "v4") as client:
        answer = client.post("/classifieds", json={"data": {}})
    assert "/ingest-v4/" in answer.json()["type"]
    assert not answer.json()["type"].startswith(ERRORS_DOC)


def limit_minimum(api_version: str) -> float | None:
    """The minimum ``GET /classifieds`` states for ``limit`` (None: it states none)."""
    document = raw_spec(api_version)
    for parameter in document["paths"]["/classifieds"]["get"]["parameters"]:
        parameter = deref(document, parameter)
        if parameter["name"] == "limit":
            minimum = parameter["schema"].get("minimum")
            return None if minimum is None else float(minimum)
    raise AssertionError("GET /classifieds has no limit parameter")


@pytest.mark.parametrize("api_version", list(PACKAGES))
def test_limit_zero_is_what_the_document_says(caas_sandbox: Sandbox, api_version: str) -> None:
    """No bound the document does not state: an empty page that resumes where it started."""
    with client_of(caas_sandbox, api_version) as client:
        ids = [create(client, f"REF-{n}") for n in range(3)]
        empty = client.get("/classifieds", params={"limit": 0})
        minimum = limit_minimum(api_version)
        if minimum is not None and minimum > 0:  # a later document may state one: then it is enforced
            assert empty.status_code == 400
            return
        assert empty.status_code == 200, empty.text
        assert empty.json()["items"] == []
        resumed = client.get("/classifieds", params={"limit": 2, "nextToken": empty.json()["nextToken"]})
        assert [item["classifiedId"] for item in resumed.json()["items"]] == ids[:2]
        again = client.get("/classifieds", params={"limit": 0, "nextToken": resumed.json()["nextToken"]})
        rest = client.get("/classifieds", params={"nextToken": again.json()["nextToken"]})
        assert [item["classifiedId"] for item in rest.json()["items"]] == ids[2:]
        nothing = client.get("/classifieds", params={"limit": 0, "offererEstateId": "REF-NONE"})
        assert nothing.json() == {"items": []}  # nothing remains: no nextToken
