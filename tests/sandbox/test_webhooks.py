import json
import re

import pytest
from pytest_httpserver import HTTPServer

from .conftest import apartment, api, create, fetch_token


@pytest.fixture
def receiver():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _callbacks(server):
    return [(request.path, json.loads(request.data)) for request, _ in server.log]


def test_status_callbacks_reach_a_loopback_subscriber(caas_sandbox, receiver, spec):
    receiver.expect_request("/hooks/classifieds", method="POST").respond_with_data("", status=201)
    receiver.expect_request(
        re.compile(r"/hooks/classifieds/[0-9a-f-]+/statuses"), method="POST"
    ).respond_with_data("", status=201)
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        subscribed = client.put("/webhooks", json={"url": receiver.url_for("/hooks")})
        assert subscribed.status_code == 200
        assert subscribed.json() == "success"
        classified_id = create(client)
        assert [body["status"] for _, body in _callbacks(receiver)] == ["RECEIVED"]
        caas_sandbox.clock.advance(caas_sandbox.config.status_step)
        caas_sandbox.clock.advance(caas_sandbox.config.status_step)
    callbacks = _callbacks(receiver)
    assert [body["status"] for _, body in callbacks] == ["RECEIVED", "CREATING", "CREATED"]
    assert {path for path, _ in callbacks} == {f"/hooks/classifieds/{classified_id}/statuses"}
    validator = spec.validator("/components/schemas/ClassifiedStatus")
    for _, body in callbacks:
        assert list(validator.iter_errors(body)) == []
    for request, _ in receiver.log:
        assert request.headers["Content-Type"] == "application/json"
    assert [d.http_status for d in caas_sandbox.webhook_deliveries()] == [201, 201, 201]


def test_subscription_status_filter_and_unsubscribe(caas_sandbox, receiver):
    receiver.expect_request(re.compile(r".*"), method="POST").respond_with_data("")
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        body = {"url": receiver.url_for("/"), "statuses": ["CREATED"]}
        assert client.put("/webhooks", json=body).status_code == 200
        create(client, "REF-1")
        caas_sandbox.clock.advance(60)
        assert [b["status"] for _, b in _callbacks(receiver)] == ["CREATED"]
        assert client.delete("/webhooks").status_code == 200
        assert client.delete("/webhooks").status_code == 404
        create(client, "REF-2")
        caas_sandbox.clock.advance(60)
    assert len(receiver.log) == 1


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/aviv", "http://10.0.0.1/aviv", "ftp://127.0.0.1/x"]
)
def test_only_loopback_urls_can_subscribe(caas_sandbox, url):
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        response = client.put("/webhooks", json={"url": url})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "/url"


def test_unreachable_subscriber_is_recorded_not_fatal(caas_sandbox, receiver):
    url = receiver.url_for("/gone")
    receiver.stop()
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        assert client.put("/webhooks", json={"url": url}).status_code == 200
        assert client.post("/classifieds", json=apartment()).status_code == 202
    (delivery,) = caas_sandbox.webhook_deliveries()
    assert delivery.http_status is None
    assert delivery.error
