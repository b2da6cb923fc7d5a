import base64

from aviv_caas_auth.sandbox import SandboxConfig

from .conftest import api, create, fetch_token


def _all_pages(client, path, **params):
    pages, token = [], None
    while True:
        query = {**params, **({"nextToken": token} if token else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        token = body.get("nextToken")
        if token is None:
            return pages


def test_classifieds_pages_return_every_item_once(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        ids = [create(client, f"REF-{n}") for n in range(7)]
        pages = _all_pages(client, "/classifieds", limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [item["classifiedId"] for page in pages for item in page] == ids


def test_exact_multiple_has_no_empty_last_page(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        for n in range(4):
            create(client, f"REF-{n}")
        assert [len(p) for p in _all_pages(client, "/classifieds", limit=2)] == [2, 2]
        assert [len(p) for p in _all_pages(client, "/classifieds")] == [4]


def test_changes_between_pages_neither_repeat_nor_skip_items(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        ids = [create(client, f"REF-{n}") for n in range(4)]
        first = client.get("/classifieds", params={"limit": 2}).json()
        client.delete(f"/classifieds/{ids[0]}")
        late = create(client, "REF-late")
        rest = _all_pages(client, "/classifieds", limit=2, nextToken=first["nextToken"])
    seen = [i["classifiedId"] for i in first["items"]] + [i["classifiedId"] for p in rest for i in p]
    assert seen == [*ids, late]


def test_next_token_is_opaque_and_bound_to_its_listing(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client, "REF-0")
        create(client, "REF-1")
        token = client.get("/classifieds", params={"limit": 1}).json()["nextToken"]
        base64.urlsafe_b64decode(token)  # base64 like AVIV's, not a bare number
        assert not token.isdigit()
        foreign = client.get(f"/classifieds/{classified_id}/statuses", params={"nextToken": token})
        assert foreign.status_code == 400
        assert foreign.json()["errors"][0]["name"] == "/query/nextToken"
        assert client.get("/classifieds", params={"nextToken": "garbage"}).status_code == 400


def test_media_pages(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(media_page_size=2))
    with api(sandbox, fetch_token(sandbox)) as client:
        classified_id = create(client)
        urls = [f"https://img.example.com/{n}.jpg" for n in range(5)]
        for url in urls:
            assert (
                client.post(
                    f"/classifieds/{classified_id}/media", json={"url": url, "mediaType": "PICTURE"}
                ).status_code
                == 202
            )
        pages = _all_pages(client, f"/classifieds/{classified_id}/media")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [m["url"] for page in pages for m in page] == urls


def test_status_pages(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        caas_sandbox.clock.advance(10)
        pages = _all_pages(client, f"/classifieds/{classified_id}/statuses", limit=1)
    assert [e["status"] for page in pages for e in page] == ["RECEIVED", "CREATING", "CREATED"]
