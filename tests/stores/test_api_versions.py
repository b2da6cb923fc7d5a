"""The shared stores keep a v3 and a v4 token apart (two audiences, two keys) and share each across processes.

Each test runs on the file store and on Redis, against the local sandbox. A new store instance on
the same directory or Redis stands for another process: it gets its own in-process slot, so only
the store connects them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aviv_caas_auth import (
    FileTokenStore,
    RedisTokenStore,
    token_provider_of,
    unwrap,
)
from aviv_caas_auth.apis import PACKAGES, base_urls
from aviv_caas_auth.sandbox import ManualClock, Sandbox
from aviv_caas_auth.workflows.endpoints import endpoints_of
from tests.sandbox.conftest import version_client

# The report's summary also states the strict figure (no refresh grace).
STRICTLY = " (strict, without the 1 h refresh grace: compliant)"


@pytest.fixture(params=["file", "redis"])
def new_store(request: pytest.FixtureRequest, token_dir: Path) -> Any:
    """Makes store instances on one backing (each one a process of its own)."""
    if request.param == "file":
        return lambda: FileTokenStore(token_dir)
    url = request.getfixturevalue("redis_url")
    return lambda: RedisTokenStore.from_url(url)


def test_each_version_s_token_is_stored_under_its_own_key_and_reused_by_another_process(
    new_store: Any,
) -> None:
    with Sandbox.start(clock=ManualClock()) as sandbox:
        first = new_store()
        clients = {api: version_client(sandbox, api, token_store=first) for api in PACKAGES}
        tokens = {api: token_provider_of(client).get_token() for api, client in clients.items()}
        assert tokens["v3"].value != tokens["v4"].value
        keys = {api: token_provider_of(client).key for api, client in clients.items()}
        assert {key.audience for key in keys.values()} == {base_urls(api)["sandbox"] for api in PACKAGES}

        second = new_store()  # another process, same backing
        for api in PACKAGES:
            assert second.load(keys[api]) == tokens[api]
            client = version_client(sandbox, api, token_store=second)
            assert (
                unwrap(endpoints_of(client).module("get_classifieds").sync_detailed(client=client)).items
                == []
            )
            assert token_provider_of(client).get_token() == tokens[api]

        assert sandbox.report().summary() == "2 token requests for 2 API calls — compliant" + STRICTLY
        assert sandbox.internal_errors() == []
