"""Shared fixtures of the sandbox tests.

Every sandbox a test starts through ``caas_sandbox``/``caas_sandbox_factory`` is checked at
teardown: each response it sent must conform to the spec of the API version it answered for (v3
or v4: status, content type, body schema, headers, problem ``instance``), and it must have
logged no internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aviv_caas_auth.apis import DEFAULT_API, PACKAGES
from aviv_caas_auth.sandbox import ApiSpec, CaasCredentials, Exchange, Sandbox
from aviv_caas_auth.sandbox.conformance import ResponseChecker
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale

UA = "TestCRM/1.0 pytest/8 linux/6"


@pytest.fixture(scope="session")
def specs() -> dict[str, ApiSpec]:
    """Every version's prepared spec, as its generated package ships it."""
    return {api: ApiSpec.load(package=package) for api, package in PACKAGES.items()}


@pytest.fixture(scope="session")
def spec(specs: dict[str, ApiSpec]) -> ApiSpec:
    """v3's spec."""
    return specs[DEFAULT_API]


class Checkers:
    """A ResponseChecker per API version; each exchange is checked against its own version's spec."""

    def __init__(self, specs: dict[str, ApiSpec]) -> None:
        self.by_api = {api: ResponseChecker(spec) for api, spec in specs.items()}

    def check(self, exchange: Exchange) -> list[str]:
        return self.by_api[exchange.api or DEFAULT_API].check(exchange)

    def check_all(self, exchanges: Iterable[Exchange]) -> list[str]:
        return [issue for exchange in exchanges for issue in self.check(exchange)]


@pytest.fixture(scope="session")
def checker(specs: dict[str, ApiSpec]) -> Checkers:
    return Checkers(specs)


@pytest.fixture
def caas_sandbox_factory(
    caas_sandbox_factory: Callable[..., Sandbox], checker: ResponseChecker
) -> Iterator[Callable[..., Sandbox]]:
    """The plugin's factory, plus the conformance check of everything each sandbox answered."""
    started: list[Sandbox] = []

    def start(*args: Any, **kwargs: Any) -> Sandbox:
        sandbox = caas_sandbox_factory(*args, **kwargs)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        assert sandbox.internal_errors() == []
        exchanges = sandbox.exchanges()
        assert exchanges, "a sandbox that answered nothing: use it or don't start it"
        assert checker.check_all(exchanges) == []


def token_request(
    sandbox: Sandbox, credentials: CaasCredentials | None = None, audience: str | None = None
) -> httpx.Response:
    creds = credentials or sandbox.credentials
    return httpx.post(
        sandbox.token_url,
        json={
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "grant_type": "client_credentials",
            "audience": audience or sandbox.audience,
            "intermediary_id": creds.intermediary_id,
        },
    )


def fetch_token(
    sandbox: Sandbox, credentials: CaasCredentials | None = None, audience: str | None = None
) -> str:
    response = token_request(sandbox, credentials, audience)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def api(sandbox: Sandbox, token: str, base_url: str | None = None, **kwargs: Any) -> httpx.Client:
    """A plain httpx client with the token and a valid User-Agent."""
    return httpx.Client(
        base_url=base_url or sandbox.base_url,
        headers={"Authorization": f"Bearer {token}", "User-Agent": UA},
        **kwargs,
    )


def version_client(sandbox: Sandbox, api: Any, **options: Any) -> Any:
    """``create_client(api=...)`` for the sandbox's "sandbox" environment of ``api``, with its demo credentials."""
    from aviv_caas_auth import create_client

    settings: dict[str, Any] = {"user_agent": "TestCRM/1.0", **options}
    return create_client(
        sandbox.credentials,
        api=api,
        environment="sandbox",
        base_url=sandbox.base_url_for("sandbox", api=api),
        token_url=sandbox.token_url,
        **settings,
    )


def run_pytest(project: Path) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` on a user's project directory, as they would run it (the plugin from its entry point)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=project,
        env=env,
        check=False,
    )


def start_cli(*args: str) -> subprocess.Popen[str]:
    """``python -m aviv_caas_auth.sandbox --port 0 ARGS`` in a child process (stop it with ``terminate``)."""
    command = [sys.executable, "-m", "aviv_caas_auth.sandbox", "--port", "0", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_banner(process: Any) -> str:
    """What the sandbox CLI printed up to "Press Ctrl+C" (its start-up banner)."""
    lines: list[str] = []
    while not lines or (lines[-1] and "Press Ctrl+C" not in lines[-1]):
        lines.append(process.stdout.readline())
    return "".join(lines)


def apartment(offerer_estate_id: str = "CRM-PARIS-0001") -> dict[str, Any]:
    body = paris_apartment_for_sale()
    body["portals"] = ["SL", "LI"]
    body["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    return body


def create(client: httpx.Client, offerer_estate_id: str = "CRM-PARIS-0001") -> str:
    response = client.post("/classifieds", json=apartment(offerer_estate_id))
    assert response.status_code == 202, response.text
    return str(response.json()["classifiedId"])
