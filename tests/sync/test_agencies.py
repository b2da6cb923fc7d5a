"""Several agencies (intermediary ids) of one client in one sandbox run: separate inventories, separate syncs."""

from __future__ import annotations

from typing import Any

from aviv_caas_auth import CaasCredentials, apply_sync, create_client, plan_sync
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import PollPolicy
from tests.sync.conftest import feed, inventory


def agency_client(sandbox: Sandbox, api: str, agency: str) -> Any:
    """A client of the demo client_id acting for ``agency``."""
    c = sandbox.credentials
    return create_client(
        CaasCredentials(c.client_id, c.client_secret, agency),
        api=api,  # type: ignore[call-overload]
        environment="sandbox",
        user_agent="TestCRM/1.0",
        base_url=sandbox.base_url_for("sandbox", api=api),
        token_url=sandbox.token_url,
    )


def test_each_agency_syncs_its_own_inventory(sandbox: Sandbox, api: str, poll: PollPolicy) -> None:
    agencies = {"agency-paris-11": feed(5, prefix="P"), "agency-lyon-2": feed(3, prefix="L")}
    clients = {agency: agency_client(sandbox, api, agency) for agency in agencies}
    for agency, listings in agencies.items():
        report = apply_sync(clients[agency], plan_sync(clients[agency], listings), poll=poll)
        assert report.counts["created"] == len(listings)
    assert {agency: len(inventory(sandbox, agency)) for agency in agencies} == {
        "agency-paris-11": 5,
        "agency-lyon-2": 3,
    }
    # withdrawing what one agency's feed dropped touches that agency only
    plan = plan_sync(clients["agency-lyon-2"], feed(2, prefix="L"), withdraw_missing=True)
    assert plan.inventory == 3
    assert plan.counts["withdraw"] == 1
    apply_sync(clients["agency-lyon-2"], plan, poll=poll)
    assert {agency: len(inventory(sandbox, agency)) for agency in agencies} == {
        "agency-paris-11": 5,
        "agency-lyon-2": 2,
    }
    assert plan_sync(clients["agency-paris-11"], feed(5, prefix="P")).counts["unchanged"] == 5
    for client in clients.values():
        client.get_httpx_client().close()
