import httpx
import pytest

from .conftest import apartment, api, create, fetch_token

VALIDATION = "https://caas-api-documentation.kugawana.eu/doc/prod/seloger/ingest-v3/index.html#section/Errors/Validation-Error"


@pytest.fixture
def client(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        yield client


def test_unknown_field_is_named_by_its_json_pointer(client):
    body = apartment()
    body["data"]["location"]["floor"] = 3
    response = client.post("/classifieds", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json+problem"
    problem = response.json()
    assert problem["type"] == VALIDATION
    assert problem["title"] == "Bad request"
    assert problem["errorSource"] == "body"
    assert problem["errors"] == [
        {"name": "/data/location/floor", "reason": "must NOT have additional properties: floor."}
    ]
    assert problem["instance"] == response.headers["traceparent"]


def test_unknown_top_level_field_as_in_aviv_example(client):
    body = apartment()
    body["space"] = 12
    problem = client.post("/classifieds", json=body).json()
    assert problem["errors"][0] == {"name": "/space", "reason": "must NOT have additional properties: space."}


def test_bad_enum_lists_the_allowed_values(client):
    body = apartment()
    body["data"]["estateType"] = "CASTLE"
    response = client.post("/classifieds", json=body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["name"] == "/data/estateType"
    assert error["reason"].startswith("must be equal to one of the allowed values: HOUSE, APARTMENT,")


def test_missing_required_field_is_named(client):
    body = apartment()
    del body["data"]["location"]["city"]
    (error,) = client.post("/classifieds", json=body).json()["errors"]
    assert error == {"name": "/data/location/city", "reason": "must have required property 'city'"}


def test_pattern_violation(client):
    classified_id = create(client)
    media = {"url": "https://img.example.com/1.jpg", "mediaType": "PICTURE", "title": "   "}
    response = client.post(f"/classifieds/{classified_id}/media", json=media)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["name"] == "/title"
    assert error["reason"].startswith("must match pattern")


def test_format_violation(client):
    classified_id = create(client)
    response = client.post(
        f"/classifieds/{classified_id}/media", json={"url": "photo.jpg", "mediaType": "PICTURE"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"name": "/url", "reason": 'must match format "url"'}]


def test_type_and_minimum_violations_are_all_reported(client):
    body = apartment()
    body["data"]["prices"]["buy"]["price"]["amount"] = -1
    body["data"]["structure"]["rooms"]["numberOfBedRooms"] = "two"
    errors = client.post("/classifieds", json=body).json()["errors"]
    assert errors == [
        {"name": "/data/prices/buy/price/amount", "reason": "must be >= 0"},
        {"name": "/data/structure/rooms/numberOfBedRooms", "reason": "must be integer"},
    ]


def test_body_that_is_not_json(client):
    response = client.post("/classifieds", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"] == "Validator could not parse body"


def test_missing_body(client):
    response = client.post("/classifieds")
    assert response.status_code == 400
    assert response.json()["detail"] == "Body is not defined"


def test_wrong_content_type(client):
    classified_id = create(client)
    response = client.patch(f"/classifieds/{classified_id}", json=[{"op": "remove", "path": "/data/texts"}])
    assert response.status_code == 400
    problem = response.json()
    assert problem["errorSource"] == "contentType"
    assert "application/json-patch+json" in problem["errors"][0]["reason"]


def test_query_parameter_of_the_wrong_type(client):
    response = client.get("/classifieds", params={"limit": "ten"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["errorSource"] == "requestParameter"
    assert problem["errors"] == [{"name": "/query/limit", "reason": "must be integer"}]


def test_query_parameter_enum(client):
    classified_id = create(client)
    response = client.get(f"/classifieds/{classified_id}/statuses", params={"status": ["RECEIVED", "LOST"]})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["name"] == "/query/status/1"


def test_path_parameter_format(client):
    response = client.get("/classifieds/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"name": "/path/classifiedId", "reason": 'must match format "uuid"'}]


def test_patch_result_is_validated_as_a_classified(client):
    classified_id = create(client)
    patch = [{"op": "add", "path": "/data/estateType", "value": "CASTLE"}]
    response = client.patch(
        f"/classifieds/{classified_id}", json=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "/data/estateType"


def test_patch_on_a_missing_parent(client):
    classified_id = create(client)
    patch = [{"op": "add", "path": "/data/management/rent/maxPersons", "value": 2}]  # no `rent` in the body
    response = client.patch(
        f"/classifieds/{classified_id}", json=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "/0/path"


def test_patch_item_that_is_no_allowed_operation(client):
    classified_id = create(client)
    patch = [{"op": "replace", "path": "/data/estateType", "value": "HOUSE"}]
    response = client.patch(
        f"/classifieds/{classified_id}", json=patch, headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["name"] == "/0"
    assert "oneOf" in error["reason"]


def test_unknown_path_and_method(caas_sandbox):
    token = fetch_token(caas_sandbox)
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(caas_sandbox.base_url + "/listings", headers=headers).status_code == 404
    not_allowed = httpx.put(caas_sandbox.base_url + "/classifieds", headers=headers)
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["allow"].split(", ")) >= {"GET", "POST"}
