import attrs
import pytest

from aviv_caas_auth.sandbox import PRODUCTION, SANDBOX, CaasCredentials, SandboxConfig

from .conftest import UA, api, create, fetch_token, token_request


def test_token_answer_has_aviv_shape(caas_sandbox):
    response = token_request(caas_sandbox)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 86400
    assert body["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"


def test_expires_in_is_configurable(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(expires_in=120))
    assert token_request(sandbox).json()["expires_in"] == 120


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"client_id": "nobody"}, 401, "access_denied"),
        ({"grant_type": "password"}, 403, "unauthorized_client"),
        ({"audience": "https://api.example.com"}, 403, "access_denied"),
        ({"intermediary_id": ""}, 400, "invalid_request"),
    ],
)
def test_bad_token_requests_get_oauth_errors(caas_sandbox, change, status, error):
    body = {
        "client_id": caas_sandbox.credentials.client_id,
        "client_secret": caas_sandbox.credentials.client_secret,
        "grant_type": "client_credentials",
        "audience": caas_sandbox.audience,
        "intermediary_id": caas_sandbox.credentials.intermediary_id,
        **change,
    }
    import httpx

    response = httpx.post(caas_sandbox.token_url, json=body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert "access_token" not in response.json()
    # counted (AVIV counts every token request), under the key its body names, as failed
    (usage,) = caas_sandbox.report().clients
    assert (usage.client_id, usage.intermediary_id) == (body["client_id"], body["intermediary_id"])
    assert (usage.token_requests, usage.tokens_issued, usage.failures) == (1, 0, ((status, 1),))
    assert usage.compliant  # one failed request is no hammering


def test_token_request_must_be_json(caas_sandbox):
    import httpx

    creds = caas_sandbox.credentials
    response = httpx.post(
        caas_sandbox.token_url,
        data={
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "grant_type": "client_credentials",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/json" in response.json()["error_description"]


def test_registered_clients_replace_the_demo_one(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(clients={"crm-a": "s3cret-a"}))
    assert token_request(sandbox, CaasCredentials("crm-a", "s3cret-a", "agency-1")).status_code == 200
    demo = CaasCredentials("caas-sandbox-demo", "caas-sandbox-demo-secret", "x")
    assert token_request(sandbox, demo).status_code == 401
    assert sandbox.credentials.client_id == "crm-a"


def test_secrets_stay_out_of_reprs():
    config = SandboxConfig(clients={"crm-a": "s3cret-a"})
    assert "s3cret-a" not in repr(config)
    assert "s3cret-a" not in repr(config.credentials)
    assert "s3cret-a" not in repr(CaasCredentials("crm-a", "s3cret-a", "agency"))


def test_a_token_works_only_on_the_base_path_of_its_audience(caas_sandbox):
    sandbox_token = fetch_token(caas_sandbox, audience=SANDBOX.audience)
    production_token = fetch_token(caas_sandbox, audience=PRODUCTION.audience)
    production_url = caas_sandbox.base_url_for("production")
    with api(caas_sandbox, sandbox_token) as client:
        assert client.get("/classifieds").status_code == 200
        wrong = client.get(production_url + "/classifieds")
        assert wrong.status_code == 401
        assert "audience" in wrong.json()["detail"]
    with api(caas_sandbox, production_token, base_url=production_url) as client:
        assert client.get("/classifieds").status_code == 200
        assert client.get(caas_sandbox.base_url + "/classifieds").status_code == 401


def test_environments_keep_separate_data(caas_sandbox):
    production_url = caas_sandbox.base_url_for("production")
    with api(caas_sandbox, fetch_token(caas_sandbox)) as client:
        create(client)
        assert len(client.get("/classifieds").json()["items"]) == 1
    production_token = fetch_token(caas_sandbox, audience=PRODUCTION.audience)
    with api(caas_sandbox, production_token, base_url=production_url) as client:
        assert client.get("/classifieds").json()["items"] == []


def test_expired_token_is_rejected(caas_sandbox_factory):
    sandbox = caas_sandbox_factory(SandboxConfig(expires_in=600))
    with api(sandbox, fetch_token(sandbox)) as client:
        assert client.get("/classifieds").status_code == 200
        sandbox.clock.advance(599)
        assert client.get("/classifieds").status_code == 200
        sandbox.clock.advance(1)
        expired = client.get("/classifieds")
    assert expired.status_code == 401
    assert expired.headers["content-type"] == "application/json"
    assert "expired" in expired.json()["detail"]
    assert expired.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("authorization", "hint"),
    [
        (None, "no `Authorization"),
        ("Bearer not-a-sandbox-token", "not issued"),
        ("Basic abc", "no `Authorization"),
    ],
)
def test_calls_without_a_sandbox_token_are_rejected(caas_sandbox, authorization, hint):
    import httpx

    headers = {"User-Agent": UA, **({"Authorization": authorization} if authorization else {})}
    response = httpx.get(caas_sandbox.base_url + "/classifieds", headers=headers)
    assert response.status_code == 401
    assert hint in response.json()["detail"]
    assert caas_sandbox.report().unattributed_api_calls == 1


def test_credentials_are_frozen():
    creds = CaasCredentials("a", "b", "c")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        creds.client_id = "x"  # type: ignore[misc]
