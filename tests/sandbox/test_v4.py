"""The sandbox serves CaaS v4 beside v3: its paths, its tokens, media inside the classified, mediaStatuses.

Every answer is checked at teardown against the spec of the version it answered for (conftest).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aviv_caas_auth.apis import base_urls
from aviv_caas_auth.sandbox import ApiSpec, ManualClock, Sandbox, SandboxConfig, SandboxError
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale, paris_apartment_pictures
from aviv_caas_client_v4 import AuthenticatedClient
from aviv_caas_client_v4.api.classifieds import create_classified, get_classified, update_classified
from aviv_caas_client_v4.api.status import get_classified_statuses
from aviv_caas_client_v4.models import AvivClassified, ClassifiedStatusInternal, GetClassifiedResponse200
from scripts.pin import SpecPin

from .conftest import UA, api, fetch_token, read_banner, start_cli, token_request

# The report's summary also states the strict figure (no refresh grace).
STRICTLY = " (strict, without the 1 h refresh grace: compliant)"


def v4(sandbox: Sandbox, environment: str = "sandbox") -> tuple[str, str]:
    return sandbox.base_url_for(environment, api="v4"), sandbox.audience_for(environment, api="v4")


def with_pictures(offerer_estate_id: str, media: list[dict[str, Any]]) -> dict[str, Any]:
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    body["media"] = media
    return body


@pytest.fixture
def client(caas_sandbox: Sandbox) -> Any:
    base_url, audience = v4(caas_sandbox)
    with AuthenticatedClient(
        base_url=base_url, token=fetch_token(caas_sandbox, audience=audience), headers={"User-Agent": UA}
    ) as generated:
        yield generated


def statuses(client: AuthenticatedClient, classified_id: Any) -> list[ClassifiedStatusInternal]:
    answer = get_classified_statuses.sync_detailed(classified_id, client=client)
    assert answer.status_code == 200
    return list(answer.parsed.items)  # type: ignore[union-attr]


def test_v4_is_served_at_avivs_paths_with_its_audiences(caas_sandbox: Sandbox) -> None:
    assert caas_sandbox.apis == ("v3", "v4")
    for environment in ("production", "sandbox"):
        base_url, audience = v4(caas_sandbox, environment)
        assert audience == base_urls("v4")[environment]  # the pinned document's servers
        assert base_url == caas_sandbox.url + httpx.URL(audience).path
        token = fetch_token(caas_sandbox, audience=audience)
        with api(caas_sandbox, token, base_url=base_url) as http:
            assert http.get("/classifieds").json() == {"items": []}
    # v3 keeps its names: base_url and audience are still v3's sandbox
    assert caas_sandbox.base_url.endswith("/sandbox/caas/v3")
    assert caas_sandbox.audience == base_urls("v3")["sandbox"]
    described = caas_sandbox.describe()
    assert described["apis"]["v4"]["spec"] == SpecPin.load("v4").version
    assert described["apis"]["v4"]["environments"]["sandbox"]["audience"] == base_urls("v4")["sandbox"]
    assert described["environments"] == described["apis"]["v3"]["environments"]


def test_v4_has_no_media_endpoints_nor_patch(caas_sandbox: Sandbox) -> None:
    base_url, audience = v4(caas_sandbox)
    with api(caas_sandbox, fetch_token(caas_sandbox, audience=audience), base_url=base_url) as http:
        created = http.post("/classifieds", json=with_pictures("CRM-V4-0", []))
        classified_id = created.json()["classifiedId"]
        assert http.get(f"/classifieds/{classified_id}/media").status_code == 404
        assert http.patch(f"/classifieds/{classified_id}", json=[]).status_code == 405


def test_a_classified_with_one_inline_picture_is_created_and_its_statuses_carry_media_statuses(
    caas_sandbox: Sandbox, client: AuthenticatedClient
) -> None:
    """Issue 11: a v4 classified with one inline picture; its statuses carry mediaStatuses."""
    picture = paris_apartment_pictures()[0]
    created = create_classified.sync_detailed(
        client=client, body=AvivClassified.from_dict(with_pictures("CRM-V4-1", [picture]))
    )
    assert created.status_code == 202
    classified_id = created.parsed.classified_id  # type: ignore[union-attr]
    caas_sandbox.clock.advance(2 * caas_sandbox.config.status_step)

    found = statuses(client, classified_id)
    assert [s.status for s in found] == ["RECEIVED", "CREATING", "CREATED"]
    final = found[-1]
    assert [(m.url, m.status) for m in final.media_statuses] == [(picture["url"], "CREATED")]
    got = get_classified.sync_detailed(classified_id, client=client)
    assert isinstance(got.parsed, GetClassifiedResponse200)
    assert [m.to_dict() for m in got.parsed.media] == [picture]  # kept inside the classified, as sent


def test_media_are_diffed_by_url_ordered_by_the_array_and_failures_reported(
    caas_sandbox: Sandbox, client: AuthenticatedClient
) -> None:
    living, balcony = paris_apartment_pictures()
    broken = {"url": "https://photos.acme-agency.invalid/x.jpg", "mediaType": "PICTURE"}
    created = create_classified.sync_detailed(
        client=client, body=AvivClassified.from_dict(with_pictures("CRM-V4-2", [living]))
    )
    classified_id = created.parsed.classified_id  # type: ignore[union-attr]
    caas_sandbox.clock.advance(2)
    etag = get_classified.sync_detailed(classified_id, client=client).headers["ETag"]

    updated = update_classified.sync_detailed(
        classified_id,
        client=client,
        body=AvivClassified.from_dict(with_pictures("CRM-V4-2", [balcony, broken, living])),
        if_match=etag,
    )
    assert updated.status_code == 202
    caas_sandbox.clock.advance(2)

    final = statuses(client, classified_id)[-1]
    assert final.status == "UPDATED_WITH_MEDIA_ERROR"
    assert final.revision == 2
    assert "1 media could not be processed" in final.message
    assert [(m.url, m.status) for m in final.media_statuses] == [
        (balcony["url"], "CREATED"),  # new: downloaded
        (broken["url"], "DOWNLOADING_FAILED"),  # a host no one can reach
        (living["url"], "UPDATED"),  # known URL: not downloaded again
    ]
    media = get_classified.sync_detailed(classified_id, client=client).parsed.media  # type: ignore[union-attr]
    assert [m.url for m in media] == [balcony["url"], broken["url"], living["url"]]  # display order


def test_a_media_failure_knob_and_a_failed_write(caas_sandbox: Sandbox, client: AuthenticatedClient) -> None:
    living, _ = paris_apartment_pictures()
    caas_sandbox.processing.fail_media(living["url"], status="CREATING_FAILED")
    first = create_classified.sync_detailed(
        client=client, body=AvivClassified.from_dict(with_pictures("CRM-V4-3", [living]))
    )
    caas_sandbox.processing.fail("POST", message="refused")  # the whole write fails: no media reported
    second = create_classified.sync_detailed(
        client=client, body=AvivClassified.from_dict(with_pictures("CRM-V4-4", [living]))
    )
    caas_sandbox.clock.advance(2)

    one = statuses(client, first.parsed.classified_id)[-1]  # type: ignore[union-attr]
    assert (one.status, [m.status for m in one.media_statuses]) == (
        "CREATED_WITH_MEDIA_ERROR",
        ["CREATING_FAILED"],
    )
    two = statuses(client, second.parsed.classified_id)[-1]  # type: ignore[union-attr]
    assert two.status == "CREATING_FAILED"
    assert not two.media_statuses
    with pytest.raises(SandboxError, match="a URL and a \\*_FAILED media status"):
        caas_sandbox.processing.fail_media(living["url"], status="CREATED")
    caas_sandbox.processing.clear()
    assert caas_sandbox.processing.media_failure(living["url"]) is None


def test_both_versions_share_the_classifieds_and_one_report_covers_both(caas_sandbox: Sandbox) -> None:
    # Issue 17 changed this premise: a classified created through v3 is the one v4 sees and updates
    # (AVIV's migration runbook), no longer a separate one per version.
    base_url, audience = v4(caas_sandbox)
    v3_token, v4_token = fetch_token(caas_sandbox), fetch_token(caas_sandbox, audience=audience)
    with api(caas_sandbox, v3_token) as v3_http, api(caas_sandbox, v4_token, base_url=base_url) as v4_http:
        body = with_pictures("CRM-SAME", [])
        del body["media"]
        assert v3_http.post("/classifieds", json=body).status_code == 202
        duplicate = v4_http.post("/classifieds", json=body)  # one offererEstateId across versions
        assert duplicate.status_code == 400
        assert "Duplicated" in duplicate.json()["title"]
        (v3_item,) = v3_http.get("/classifieds").json()["items"]
        (v4_item,) = v4_http.get("/classifieds").json()["items"]
        assert v3_item == v4_item  # no inline media until a v4 write sends them
        assert "media" not in v4_item
    assert caas_sandbox.report().summary() == "2 token requests for 4 API calls — compliant" + STRICTLY
    assert caas_sandbox.report(api="v4").summary() == "1 token request for 2 API calls — compliant" + STRICTLY


def test_a_v3_classified_seen_and_updated_through_v4(caas_sandbox: Sandbox) -> None:
    base_url, audience = v4(caas_sandbox)
    v3_token, v4_token = fetch_token(caas_sandbox), fetch_token(caas_sandbox, audience=audience)
    with api(caas_sandbox, v3_token) as v3_http, api(caas_sandbox, v4_token, base_url=base_url) as v4_http:
        body = with_pictures("CRM-MIGRATED", [])
        del body["media"]
        body["portals"] = ["SL", "LI"]  # LI: Logic-Immo, a v3-only portal
        classified_id = v3_http.post("/classifieds", json=body).json()["classifiedId"]
        picture = {"url": "https://media.example.com/1.jpg", "mediaType": "PICTURE", "displayOrder": 1}
        assert v3_http.post(f"/classifieds/{classified_id}/media", json=picture).status_code == 202
        seen = v4_http.get(f"/classifieds/{classified_id}")
        assert seen.status_code == 200
        assert seen.json()["portals"] == ["SL"]  # v4 does not list LI
        assert "media" not in seen.json()  # v3's media are v3's
        etag = seen.headers["etag"]
        v4_body = {**body, "portals": ["SL"], "media": paris_apartment_pictures()[:1]}
        put = v4_http.put(f"/classifieds/{classified_id}", json=v4_body, headers={"If-Match": etag})
        assert put.status_code == 202
        assert v4_http.get(f"/classifieds/{classified_id}").json()["media"] == v4_body["media"]
        assert v3_http.get(f"/classifieds/{classified_id}").headers["etag"] != etag  # one revision count
        assert "media" not in v3_http.get(f"/classifieds/{classified_id}").json()  # v3 has no inline media
        # a v3 write keeps the inline media v4 sent (v3 cannot express them)
        v3_put = v3_http.put(f"/classifieds/{classified_id}", json={**body, "portals": ["SL"]})
        assert v3_put.status_code == 202
        assert v4_http.get(f"/classifieds/{classified_id}").json()["media"] == v4_body["media"]
        caas_sandbox.clock.advance(10)
        latest = v3_http.get(f"/classifieds/{classified_id}/statuses", params={"filter": "latest"})
        assert "mediaStatuses" not in latest.json()["items"][0]
        assert v3_http.delete(f"/classifieds/{classified_id}").status_code == 202
        assert v4_http.get(f"/classifieds/{classified_id}").status_code == 404


def test_a_second_v4_token_while_the_first_is_valid_is_flagged_once(caas_sandbox: Sandbox) -> None:
    _, audience = v4(caas_sandbox)
    fetch_token(caas_sandbox)
    fetch_token(caas_sandbox, audience=audience)
    fetch_token(caas_sandbox, audience=audience)  # the v4 token was still valid
    report = caas_sandbox.report()
    assert not report.compliant
    (usage,) = report.clients
    assert [v.audience for v in usage.violations] == [audience]
    assert caas_sandbox.report(api="v3").compliant


def test_only_the_versions_asked_for_are_served(caas_sandbox_factory: Any) -> None:
    sandbox = caas_sandbox_factory(SandboxConfig(apis=("v4",)))
    assert sandbox.apis == ("v4",)
    fetch_token(sandbox, audience=sandbox.audience_for(api="v4"))
    refused = token_request(sandbox, audience=base_urls("v3")["sandbox"])
    assert refused.status_code == 403
    assert refused.json()["error_description"] == f"Service not found: {base_urls('v3')['sandbox']}"
    with pytest.raises(SandboxError, match="serves v4, not 'v3'"):
        sandbox.base_url_for("sandbox")
    for bad in (
        {"apis": ("v5",)},
        {"apis": ()},
        {"apis": ("v4", "v4")},
        {"apis": ("v4",), "spec_paths": {"v3": "x"}},
    ):
        with pytest.raises(SandboxError):
            SandboxConfig(**bad)  # type: ignore[arg-type]


def test_a_spec_whose_servers_are_not_marked_is_refused_clearly(spec: ApiSpec) -> None:
    document = json.loads(json.dumps(spec.document))
    for server in document["servers"]:
        del server["x-aviv-environment"]
    with pytest.raises(SandboxError, match="must mark each of its servers with one x-aviv-environment"):
        Sandbox(clock=ManualClock(), spec=ApiSpec(document))


def test_the_cli_serves_v4_alone(checker: Any) -> None:
    process = start_cli("--api", "v4", "--quiet")
    try:
        banner = read_banner(process)
        assert f"specs v4 {SpecPin.load('v4').version}" in banner
        assert "v3 " not in banner
        assert "v4 sandbox base URL:" in banner
        assert f"(audience {base_urls('v4')['sandbox']})" in banner
    finally:
        process.terminate()
        process.wait(timeout=10)
