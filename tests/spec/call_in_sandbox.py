"""Call one generated endpoint against a local sandbox; print what happened as JSON.

    python -m tests.spec.call_in_sandbox aviv_caas_client.api.portals.get_portals   (v4: aviv_caas_client_v4...)
    python -m tests.spec.call_in_sandbox aviv_caas_client.api.classifieds.get_classified_history UUID

Its positional arguments (path parameters) follow the module name; a UUID is passed as one.

Run in a child process by the spec-update test, with the freshly generated package first on
``sys.path``: the sandbox loads that package's prepared spec and the client that package's
endpoint, so it proves the sandbox serves a new operation and the client parses its answer.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import uuid
from typing import Any

from aviv_caas_auth import unwrap
from aviv_caas_auth.apis import api_of_package
from aviv_caas_auth.sandbox import Sandbox
from tests.sandbox.conftest import version_client


def sandbox_client(sandbox: Sandbox, user_agent: str, api: Any = "v3") -> Any:
    """A ``create_client(api=...)`` client for the sandbox's "sandbox" environment, with its demo credentials."""
    return version_client(sandbox, api, user_agent=user_agent)


def _argument(text: str) -> Any:
    try:
        return uuid.UUID(text)
    except ValueError:
        return text


def main(module_name: str, *arguments: str) -> int:
    """Call ``module_name``'s ``sync_detailed`` on the sandbox; print status, parsed type, warnings."""
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("aviv_caas_auth.sandbox").addHandler(handler)
    endpoint = importlib.import_module(module_name)
    api = api_of_package(module_name.partition(".")[0])
    with Sandbox.start() as sandbox:
        with sandbox_client(sandbox, "SpecUpdateTest/1.0", api) as client:
            answer = endpoint.sync_detailed(*map(_argument, arguments), client=client)
            parsed = unwrap(answer)
        problems = sandbox.internal_errors()
        spec_file = sandbox.app.served[str(api)].spec.document["info"]["version"]
    print(
        json.dumps(
            {
                "status": int(answer.status_code),
                "parsed_type": f"{type(parsed).__module__}.{type(parsed).__qualname__}",
                "parsed": parsed.to_dict(),
                "body": json.loads(answer.content),
                "warnings": warnings,
                "internal_errors": problems,
                "spec_version": spec_file,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
