"""The classified lifecycle, through the generated client (what users actually send) and plain httpx."""

from uuid import UUID

import pytest

from aviv_caas_auth.sandbox import CaasCredentials
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import (
    create_classified,
    delete_classified,
    get_classified,
    get_classifieds,
    set_classified,
    update_classified,
)
from aviv_caas_client.models import (
    AvivClassified,
    ClassifiedsPatchItemType0,
    CreateClassifiedResponse202,
    ErrorResponse,
    GetClassifiedResponse200,
)

from .conftest import UA, apartment, api, create, fetch_token

DUPLICATED = "https://caas-api-documentation.kugawana.eu/doc/prod/seloger/ingest-v3/index.html#section/Errors/Duplicated-Classifieds-Error"


@pytest.fixture
def generated(caas_sandbox):
    client = AuthenticatedClient(
        base_url=caas_sandbox.base_url, token=fetch_token(caas_sandbox), headers={"User-Agent": UA}
    )
    with client:
        yield client


def test_generated_client_create_get_update_patch(caas_sandbox, generated):
    created = create_classified.sync_detailed(client=generated, body=AvivClassified.from_dict(apartment()))
    assert created.status_code == 202
    assert isinstance(created.parsed, CreateClassifiedResponse202)
    classified_id = created.parsed.classified_id
    assert isinstance(classified_id, UUID)
    assert created.parsed.links[0].statuses == f"/classifieds/{classified_id}/statuses"

    got = get_classified.sync_detailed(classified_id, client=generated)
    assert got.status_code == 200
    assert isinstance(got.parsed, GetClassifiedResponse200)
    assert got.parsed.classified_id == classified_id
    assert got.parsed.data.location.city == "Paris"
    etag = got.headers["ETag"]
    assert etag == '"1"'

    body = apartment()
    body["data"]["prices"]["buy"]["price"]["amount"] = 669000
    updated = update_classified.sync_detailed(
        classified_id, client=generated, body=AvivClassified.from_dict(body), if_match=etag
    )
    assert updated.status_code == 202, updated.content

    got = get_classified.sync_detailed(classified_id, client=generated)
    assert got.headers["ETag"] == '"2"'
    assert got.parsed.to_dict()["data"]["prices"]["buy"]["price"]["amount"] == 669000

    patch = [ClassifiedsPatchItemType0(op="add", path="/data/texts/headline/en", value="Bright 3-room flat")]
    patched = set_classified.sync_detailed(classified_id, client=generated, body=patch, if_match='"2"')
    assert patched.status_code == 202, patched.content
    assert patched.headers["traceparent"]

    got = get_classified.sync_detailed(classified_id, client=generated)
    assert got.headers["ETag"] == '"3"'
    assert got.parsed.to_dict()["data"]["texts"]["headline"] == {
        "fr": "Bastille : 3 pièces lumineux avec balcon",
        "en": "Bright 3-room flat",
    }

    listed = get_classifieds.sync_detailed(client=generated)
    assert [item.classified_id for item in listed.parsed.items] == [classified_id]

    deleted = delete_classified.sync_detailed(classified_id, client=generated)
    assert deleted.status_code == 202
    gone = get_classified.sync_detailed(classified_id, client=generated)
    assert gone.status_code == 404
    assert isinstance(gone.parsed, ErrorResponse)


def test_stale_if_match_is_412(caas_sandbox, generated):
    created = create_classified.sync_detailed(client=generated, body=AvivClassified.from_dict(apartment()))
    classified_id = created.parsed.classified_id
    first = update_classified.sync_detailed(
        classified_id, client=generated, body=AvivClassified.from_dict(apartment()), if_match='"1"'
    )
    assert first.status_code == 202
    stale = update_classified.sync_detailed(
        classified_id, client=generated, body=AvivClassified.from_dict(apartment()), if_match='"1"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, ErrorResponse)
    assert stale.parsed.title == "Precondition Failed"
    assert '"2"' in stale.parsed.detail
    patch = [ClassifiedsPatchItemType0(op="add", path="/data/texts/headline/en", value="x")]
    assert (
        set_classified.sync_detailed(classified_id, client=generated, body=patch, if_match='"1"').status_code
        == 412
    )
    assert (
        set_classified.sync_detailed(
            classified_id, client=generated, body=patch, if_match='"1", "2"'
        ).status_code
        == 202
    )
    assert get_classified.sync_detailed(classified_id, client=generated).headers["ETag"] == '"3"'


def test_update_without_if_match_is_unconditional(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        assert client.put(f"/classifieds/{classified_id}", json=apartment()).status_code == 202
        assert (
            client.put(
                f"/classifieds/{classified_id}", json=apartment(), headers={"If-Match": "*"}
            ).status_code
            == 202
        )
        assert client.get(f"/classifieds/{classified_id}").headers["etag"] == '"3"'


def test_reused_offerer_estate_id_is_a_duplicated_classified(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        first = create(client, "REF-1")
        response = client.post("/classifieds", json=apartment("REF-1"))
        assert response.status_code == 400
        problem = response.json()
        assert problem["type"] == DUPLICATED
        assert problem["title"] == "Duplicated classified"
        assert f"classifiedId: {first}" in problem["detail"]
        assert "offererEstateId: REF-1" in problem["detail"]
        assert len(client.get("/classifieds").json()["items"]) == 1

        second = create(client, "REF-2")
        taken = client.put(f"/classifieds/{second}", json=apartment("REF-1"))
        assert taken.status_code == 400
        assert taken.json()["type"] == DUPLICATED
        assert client.get(f"/classifieds/{second}").headers["etag"] == '"1"'

        assert client.delete(f"/classifieds/{first}").status_code == 202
        assert client.post("/classifieds", json=apartment("REF-1")).status_code == 202


def test_offerer_estate_id_filter(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        create(client, "REF-1")
        wanted = create(client, "REF-2")
        items = client.get("/classifieds", params={"offererEstateId": "REF-2"}).json()["items"]
        assert [item["classifiedId"] for item in items] == [wanted]


def test_colliding_contacts(caas_sandbox):
    body = apartment()
    body["data"]["contact"] = {"mainContactPersonId": "agent-7"}
    body["specific"] = {"gsl": {"mainContactPerson": {}}}
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        response = client.post("/classifieds", json=body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith("#section/Errors/Colliding-Contacts-Information-Error")
    assert [e["name"] for e in problem["errors"]] == ["data.contact.*", "specific.gsl.contact.*"]


def test_offerers_see_only_their_own_classifieds(caas_sandbox):
    creds = caas_sandbox.credentials
    other = CaasCredentials(creds.client_id, creds.client_secret, "another-agency")
    with api(caas_sandbox, fetch_token(caas_sandbox)) as mine:
        classified_id = create(mine, "REF-1")
    with api(caas_sandbox, fetch_token(caas_sandbox, other)) as theirs:
        assert theirs.get(f"/classifieds/{classified_id}").status_code == 404
        assert theirs.get("/classifieds").json()["items"] == []
        assert theirs.post("/classifieds", json=apartment("REF-1")).status_code == 202


def test_unknown_classified_is_404(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        missing = "5c597a63-6932-4b0c-a2a0-2fd935be1755"
        response = client.get(f"/classifieds/{missing}")
        assert response.status_code == 404
        assert response.json()["detail"].endswith(f"{missing}.")
        assert client.put(f"/classifieds/{missing}", json=apartment()).status_code == 404
        assert client.delete(f"/classifieds/{missing}").status_code == 404


DUPLICATED_MEDIA = "https://caas-api-documentation.kugawana.eu/doc/prod/seloger/ingest-v3/index.html#section/Errors/Duplicated-Media-Error"


def test_media_lifecycle_and_duplicate_url(caas_sandbox):
    photo = {"url": "https://img.example.com/oberkampf/1.jpg", "mediaType": "PICTURE", "title": "Séjour"}
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        attached = client.post(f"/classifieds/{classified_id}/media", json=photo)
        assert attached.status_code == 202
        media_id = attached.json()["mediaId"]

        duplicate = client.post(f"/classifieds/{classified_id}/media", json={**photo, "title": "again"})
        assert duplicate.status_code == 400
        problem = duplicate.json()
        assert problem["type"] == DUPLICATED_MEDIA
        assert problem["title"] == "Duplicated media"
        assert f"mediaId : {media_id}" in problem["detail"]
        assert f"classifiedId: {classified_id}" in problem["detail"]

        plan = {
            "url": "https://img.example.com/oberkampf/plan.pdf",
            "mediaType": "PICTURE",
            "category": "FLOOR_PLAN",
        }
        video = {"url": "https://img.example.com/oberkampf/tour.mp4", "mediaType": "VIDEO"}
        assert client.post(f"/classifieds/{classified_id}/media", json=plan).status_code == 202
        assert client.post(f"/classifieds/{classified_id}/media", json=video).status_code == 202
        listed = client.get(f"/classifieds/{classified_id}/media").json()["items"]
        assert [m["url"] for m in listed] == [photo["url"], plan["url"], video["url"]]
        assert all(m["classifiedId"] == classified_id for m in listed)
        videos = client.get(f"/classifieds/{classified_id}/media", params={"mediaType": ["VIDEO"]}).json()[
            "items"
        ]
        assert [m["url"] for m in videos] == [video["url"]]

        patch = [{"op": "add", "path": "/displayOrder", "value": 1}, {"op": "remove", "path": "/title"}]
        patched = client.patch(
            f"/classifieds/{classified_id}/media/{media_id}",
            json=patch,
            headers={"Content-Type": "application/json-patch+json"},
        )
        assert patched.status_code == 202
        first = client.get(f"/classifieds/{classified_id}/media").json()["items"][0]
        assert first["displayOrder"] == 1
        assert "title" not in first

        assert client.delete(f"/classifieds/{classified_id}/media/{media_id}").status_code == 202
        assert client.delete(f"/classifieds/{classified_id}/media/{media_id}").status_code == 404
        assert len(client.get(f"/classifieds/{classified_id}/media").json()["items"]) == 2
        assert client.post(f"/classifieds/{classified_id}/media", json=photo).status_code == 202

        cleared = client.delete(f"/classifieds/{classified_id}/media")
        assert cleared.status_code == 202
        assert cleared.json() == {"message": "Your request has been accepted"}
        assert client.get(f"/classifieds/{classified_id}/media").json()["items"] == []
