from aviv_caas_auth.sandbox import SandboxConfig

from .conftest import apartment, api, create, fetch_token


def _statuses(client, classified_id, **params):
    response = client.get(f"/classifieds/{classified_id}/statuses", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_statuses_progress_only_when_the_clock_advances(caas_sandbox):
    step = caas_sandbox.config.status_step
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        for _ in range(3):
            assert [s["status"] for s in _statuses(client, classified_id)] == ["RECEIVED"]
        caas_sandbox.clock.advance(step)
        assert [s["status"] for s in _statuses(client, classified_id)] == ["RECEIVED", "CREATING"]
        caas_sandbox.clock.advance(step)
        items = _statuses(client, classified_id)
    assert [s["status"] for s in items] == ["RECEIVED", "CREATING", "CREATED"]
    received = items[0]
    assert received["subStatus"] == "RECEIVED_POST"
    assert received["classifiedId"] == classified_id
    assert received["customerId"] == caas_sandbox.credentials.intermediary_id
    assert received["revision"] == 1
    assert received["portals"] == ["SL", "LI"]
    assert received["statusDate"] < items[2]["statusDate"]


def test_latest_and_status_filters(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        caas_sandbox.clock.advance(60)
        assert [s["status"] for s in _statuses(client, classified_id, filter="latest")] == ["CREATED"]
        assert [s["status"] for s in _statuses(client, classified_id, status=["RECEIVED", "CREATED"])] == [
            "RECEIVED",
            "CREATED",
        ]
        assert _statuses(client, classified_id, portal=["BD"]) == []


def test_update_and_delete_flows(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        caas_sandbox.clock.advance(60)
        assert client.put(f"/classifieds/{classified_id}", json=apartment()).status_code == 202
        latest = _statuses(client, classified_id, filter="latest")[0]
        assert (latest["status"], latest["subStatus"], latest["revision"]) == ("RECEIVED", "RECEIVED_PUT", 2)
        caas_sandbox.clock.advance(60)
        assert [s["status"] for s in _statuses(client, classified_id)][-2:] == ["UPDATING", "UPDATED"]
        assert client.delete(f"/classifieds/{classified_id}").status_code == 202
        caas_sandbox.clock.advance(60)
        assert [s["status"] for s in _statuses(client, classified_id)][-3:] == [
            "RECEIVED",
            "DELETING",
            "DELETED",
        ]


def test_an_update_queues_behind_an_unfinished_creation(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(status_step=10))
    with api(sandbox, fetch_token(sandbox)) as client:
        classified_id = create(client)
        assert client.put(f"/classifieds/{classified_id}", json=apartment()).status_code == 202
        sandbox.clock.advance(20)
        assert [s["status"] for s in _statuses(client, classified_id)] == [
            "RECEIVED",
            "RECEIVED",
            "CREATING",
            "CREATED",
        ]
        sandbox.clock.advance(20)
        assert [s["status"] for s in _statuses(client, classified_id)][-2:] == ["UPDATING", "UPDATED"]


def test_media_statuses_progress_per_portal(caas_sandbox):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        classified_id = create(client)
        media_id = client.post(
            f"/classifieds/{classified_id}/media",
            json={"url": "https://img.example.com/1.jpg", "mediaType": "PICTURE"},
        ).json()["mediaId"]
        path = f"/classifieds/{classified_id}/media/{media_id}/statuses"
        first = client.get(path).json()["items"]
        assert [(s["status"], s["portal"]) for s in first] == [("RECEIVED", "SL"), ("RECEIVED", "LI")]
        caas_sandbox.clock.advance(100)
        done = client.get(path).json()["items"]
        assert [s["status"] for s in done if s["portal"] == "SL"] == [
            "RECEIVED",
            "DOWNLOADING",
            "DOWNLOADED",
            "AV_SCANNING",
            "AV_SCANNED",
            "AV_CLEANED",
        ]
        assert client.delete(f"/classifieds/{classified_id}/media/{media_id}").status_code == 202
        assert client.get(path).json()["items"][-1]["status"] == "DELETED"
