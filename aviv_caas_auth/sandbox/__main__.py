"""Run the local sandbox as a server: ``python -m aviv_caas_auth.sandbox [--port N] [--api v4]``.

Listens on loopback only, prints its token URL and the base URLs of every API version it serves
(v3 and v4 unless ``--api`` names some), serves until Ctrl+C or SIGTERM (``kill``, a container or
service manager stopping it), then prints the token-reuse report.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from aviv_caas_auth.apis import DEFAULT_API, PACKAGES
from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS, SandboxConfig
from aviv_caas_auth.sandbox.errors import SandboxError, SandboxExtraMissingError


def _client(value: str) -> tuple[str, str]:
    client_id, sep, secret = value.partition(":")
    if not sep or not client_id or not secret:
        raise argparse.ArgumentTypeError("a client is CLIENT_ID:CLIENT_SECRET")
    return client_id, secret


def _spec(value: str) -> tuple[str, Path]:
    api, sep, path = value.partition("=")
    if not sep:
        return DEFAULT_API, Path(value)
    if api not in PACKAGES or not path:
        raise argparse.ArgumentTypeError(
            f"a spec is PATH (v3) or API=PATH with API one of {', '.join(PACKAGES)}"
        )
    return api, Path(path)


def _rate(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"a rate limit is a whole number of requests per second >= 1, not {value!r}"
        )
    return int(value)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m aviv_caas_auth.sandbox",
        description="A local, stateful fake of AVIV's Classified API (CaaS v3 and v4) and token endpoint.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    parser.add_argument(
        "--expires-in", type=int, default=86400, help="token lifetime in seconds (default 86400)"
    )
    parser.add_argument(
        "--status-step", type=float, default=1.0, help="seconds between two status steps (default 1)"
    )
    parser.add_argument(
        "--client",
        type=_client,
        action="append",
        metavar="ID:SECRET",
        help="register a client instead of the demo one (repeatable)",
    )
    parser.add_argument(
        "--api",
        choices=list(PACKAGES),
        action="append",
        help="serve this API version (repeatable; default: every one)",
    )
    parser.add_argument(
        "--spec",
        type=_spec,
        action="append",
        metavar="[API=]PATH",
        help="a prepared spec to serve instead of the generated package's (v3 unless API= says)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate,
        metavar="R",
        help="answer 429 (Retry-After) beyond R API requests per second per client id (default: no limit)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser.parse_args(argv)


def _stop_like_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: stop as Ctrl+C does, so the token-reuse report is printed too."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server; return the exit status."""
    args = parse_args(argv)
    try:
        from aviv_caas_auth.sandbox.server import Sandbox
    except SandboxExtraMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        config = SandboxConfig(
            expires_in=args.expires_in,
            status_step=args.status_step,
            apis=tuple(args.api or PACKAGES),
            spec_paths=dict(args.spec or ()),
            log_requests=not args.quiet,
            rate_limit=args.rate_limit,
        )
        if args.client:
            config = dataclasses.replace(config, clients=dict(args.client))
        sandbox = Sandbox(config, host=args.host, port=args.port)
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    specs = ", ".join(f"{api} {served.spec.version}" for api, served in sandbox.app.served.items())
    print(f"AVIV CaaS local sandbox (specs {specs}) on {sandbox.url}")
    print(f"  {'token URL:':<25}{sandbox.token_url}")
    for served in sandbox.app.served.values():
        for env in served.environments:
            label = f"{served.api} {env.name} base URL:"
            print(f"  {label:<25}{sandbox.url}{env.base_path}   (audience {env.audience})")
    if args.client:
        print(f"  {'clients:':<25}{', '.join(client_id for client_id, _ in args.client)}")
    else:
        creds = DEMO_CREDENTIALS
        print(
            f"  demo credentials: client_id={creds.client_id} client_secret={creds.client_secret} "
            f"intermediary_id={creds.intermediary_id} (public, documented in docs/guides/sandbox.md)"
        )
    print(f"  {'admin:':<25}{sandbox.admin_url}/report | /clock | /faults | /rate-limit")
    if args.rate_limit is not None:
        print(f"  {'rate limit:':<25}{args.rate_limit} API requests per second per client id (then 429)")
    for served in sandbox.app.served.values():
        if served.operations.generic:
            names = ", ".join(op.operation_id for op in served.operations.generic)
            print(f"  {served.api} served from the spec only (no hand-written behaviour): {names}")
    previous = signal.signal(signal.SIGTERM, _stop_like_ctrl_c)  # before the banner ends: a SIGTERM
    try:  # sent as soon as it is read stops it like Ctrl+C too
        print("Press Ctrl+C to stop.", flush=True)
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    print(f"token-reuse report: {sandbox.report().summary()}", flush=True)
    if args.rate_limit is not None:
        refused = sandbox.app.rate_limit.refused()
        print(f"rate limit: {sum(refused.values())} requests answered 429 ({refused or 'none'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
