"""A worker process that sends API requests through a shared rate budget, as a Celery worker would.

Run by the tests as ``python -m tests.budget.worker`` with its instructions as JSON in the
AVIV_TEST_BUDGET_WORKER environment variable. Tokens come from Redis (one token for all workers),
the budget is Redis's (shared), this process's memory (not shared) or none. Prints one JSON line:
what each request came to (a status code, or the class of the error it raised).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from aviv_caas_auth import CaasCredentials, CaasError, RedisTokenStore, create_client, token_provider_of
from aviv_caas_auth.budget import MemoryRateBudget, RateBudget, RedisRateBudget
from aviv_caas_client.api.classifieds import get_classifieds

ENV = "AVIV_TEST_BUDGET_WORKER"


def budget_of(spec: dict[str, Any]) -> RateBudget | None:
    options = {"max_wait": spec.get("max_wait", 60)}
    if spec["budget"] == "redis":
        return RedisRateBudget(spec["redis_url"], rate=spec["rate"], **options)
    if spec["budget"] == "memory":
        return MemoryRateBudget(spec["rate"], **options)
    return None


def wait_for_start(barrier: Path, index: int) -> None:
    (barrier / f"ready-{index}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("worker: no go signal within 60 s")
        time.sleep(0.001)


def send(client: Any, count: int, use_async: bool) -> list[int | str]:
    async def all_async() -> list[int | str]:
        return [await one_async() for _ in range(count)]

    async def one_async() -> int | str:
        try:
            return int((await get_classifieds.asyncio_detailed(client=client)).status_code)
        except CaasError as error:
            return type(error).__name__

    def one() -> int | str:
        try:
            return int(get_classifieds.sync_detailed(client=client).status_code)
        except CaasError as error:
            return type(error).__name__

    return asyncio.run(all_async()) if use_async else [one() for _ in range(count)]


def main() -> None:
    spec = json.loads(os.environ[ENV])
    client = create_client(
        CaasCredentials(**spec["credentials"]),
        user_agent="TestCRM/1.0",
        environment="sandbox",
        base_url=spec["base_url"],
        token_url=spec["token_url"],
        token_store=RedisTokenStore.from_url(spec["redis_url"]),
        rate_budget=budget_of(spec),
        retry=None,  # every 429 the sandbox sends is seen (and counted) here
    )
    token_provider_of(client).get_token()  # from Redis: one token request for all workers
    if spec.get("barrier"):
        wait_for_start(Path(spec["barrier"]), spec["index"])
    print(json.dumps(send(client, spec["requests"], spec.get("use_async", False))), flush=True)


if __name__ == "__main__":
    main()
