"""A short-lived process that takes the token from a shared store, as a cron job or worker would.

Run by the tests as ``python -m tests.stores.worker`` with its instructions as JSON in the
AVIV_TEST_WORKER environment variable; prints one JSON line: the token it ended up with.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from aviv_caas_auth import CaasCredentials, FileTokenStore, RedisTokenStore, TokenProvider, TokenStore

UA = "TestCRM/1.0.0"
ENV = "AVIV_TEST_WORKER"


def make_store(spec: dict[str, Any]) -> TokenStore:
    if spec["store"] == "file":
        return FileTokenStore(spec["path"], **spec.get("options", {}))
    return RedisTokenStore.from_url(spec["url"], **spec.get("options", {}))


def wait_for_start(barrier: Path, index: int) -> None:
    """Say we are ready, then wait for the go file, so all workers race for a cold store at once."""
    (barrier / f"ready-{index}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("worker: no go signal within 60 s")
        time.sleep(0.001)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    spec = json.loads(os.environ[ENV])
    provider = TokenProvider(
        CaasCredentials(**spec["credentials"]),
        user_agent=UA,
        environment="sandbox",
        token_url=spec["token_url"],
        token_store=make_store(spec),
    )
    if spec.get("barrier"):
        wait_for_start(Path(spec["barrier"]), spec["index"])
    token = asyncio.run(provider.aget_token()) if spec.get("use_async") else provider.get_token()
    print(json.dumps({"token": token.value}), flush=True)


if __name__ == "__main__":
    main()
