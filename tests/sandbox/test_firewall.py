import httpx
import pytest

from .conftest import UA, fetch_token


def _get(sandbox, token, user_agent):
    headers = {"Authorization": f"Bearer {token}"}
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    else:
        headers["User-Agent"] = ""
    return httpx.get(sandbox.base_url + "/classifieds", headers=headers)


@pytest.mark.parametrize(
    "user_agent",
    [
        None,
        "python-httpx/0.28.1",
        "TestCRM/1.0 pytest/8",
        "TestCRM/1.0 pytest/8 linux/6 extra/1",
        "TestCRM/1.0  pytest/8 linux/6",
        "Test CRM/1.0 pytest/8 linux/6",
        "TestCRM/1.0/beta pytest/8 linux/6",
    ],
)
def test_missing_or_malformed_user_agent_is_blocked(caas_sandbox, user_agent):
    response = _get(caas_sandbox, fetch_token(caas_sandbox), user_agent)
    assert response.status_code == 403
    problem = response.json()
    assert problem["title"] == "Forbidden"
    assert "User-Agent" in problem["detail"]
    assert "<crm>/<version> <tool>/<version> <os>/<version>" in problem["detail"]


@pytest.mark.parametrize("user_agent", [UA, "MyAwesomeSoft/1.0.0 curl/7.52.1 debian/9~1.gbpf8534c"])
def test_well_formed_user_agent_passes(caas_sandbox, user_agent):
    assert _get(caas_sandbox, fetch_token(caas_sandbox), user_agent).status_code == 200


def test_firewall_blocks_before_authentication(caas_sandbox):
    response = httpx.get(caas_sandbox.base_url + "/classifieds", headers={"User-Agent": "curl/8"})
    assert response.status_code == 403


def test_token_endpoint_needs_no_crm_user_agent(caas_sandbox):
    creds = caas_sandbox.credentials
    response = httpx.post(
        caas_sandbox.token_url,
        headers={"User-Agent": "curl/8"},
        json={
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "grant_type": "client_credentials",
            "audience": caas_sandbox.audience,
            "intermediary_id": creds.intermediary_id,
        },
    )
    assert response.status_code == 200


def test_blocked_call_on_an_operation_without_a_documented_403_uses_the_default_response(caas_sandbox):
    token = fetch_token(caas_sandbox)
    response = httpx.delete(caas_sandbox.base_url + "/webhooks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"  # DELETE /webhooks' `default` response
