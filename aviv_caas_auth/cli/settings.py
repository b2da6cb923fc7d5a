"""What a command runs against: credentials, environment, API version, or a local sandbox.

Credentials come from the same variables as ``CaasCredentials.from_env()`` (``AVIV_CLIENT_ID``,
``AVIV_CLIENT_SECRET``, ``AVIV_INTERMEDIARY_ID``; ``--intermediary-id`` picks another agency of
the same client). ``--sandbox-local URL`` runs against a local sandbox server (``python -m
aviv_caas_auth.sandbox``), ``--sandbox-local`` alone against one started for this command only
(its classifieds vanish with it): with the sandbox's demo credentials unless the variables are set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from aviv_caas_auth._version import __version__
from aviv_caas_auth.credentials import ENV_CLIENT_ID, CaasCredentials
from aviv_caas_auth.errors import ConfigurationError

DEFAULT_USER_AGENT = f"aviv-caas-cli/{__version__}"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password
Api = Literal["v3", "v4"]
EnvironmentName = Literal["production", "sandbox"]


@dataclass(frozen=True)
class Shared:
    """``--redis-url`` and ``--rate``: tokens and AVIV's rate shared with the other processes and hosts.

    With ``redis_url``, tokens live in a ``RedisTokenStore`` (the workers' own: one token per
    agency for all of them) and ``rate`` is a ``RedisRateBudget`` shared with them; without it,
    ``rate`` is a budget of this command only (``MemoryRateBudget``).
    """

    redis_url: str | None = None
    rate: str | None = None

    def client_options(self) -> dict[str, Any]:
        """``create_client``'s ``token_store`` and ``rate_budget`` for these options."""
        options: dict[str, Any] = {}
        if self.redis_url:
            from aviv_caas_auth.stores.redis_store import RedisTokenStore

            options["token_store"] = RedisTokenStore.from_url(self.redis_url)
        if self.rate:
            rate: str | int = int(self.rate) if self.rate.isdigit() else self.rate
            if self.redis_url:
                from aviv_caas_auth.budget.redis import RedisRateBudget

                options["rate_budget"] = RedisRateBudget(self.redis_url, rate=rate)
            else:
                from aviv_caas_auth.budget.memory import MemoryRateBudget

                options["rate_budget"] = MemoryRateBudget(rate)
        return options


@dataclass(frozen=True)
class Settings:
    """The global options of a command."""

    api: Api = "v3"
    environment: EnvironmentName = "production"
    sandbox_local: str | None = None
    """None: AVIV; "": a sandbox started for the command; a URL: that local sandbox server."""
    intermediary_id: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0
    json: bool = False

    def credentials(self) -> CaasCredentials:
        """From the environment variables (the demo ones against a local sandbox when they are unset)."""
        if self.sandbox_local is not None and not os.environ.get(ENV_CLIENT_ID):
            from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS

            credentials = DEMO_CREDENTIALS
        else:
            credentials = CaasCredentials.from_env()
        return credentials.for_intermediary(self.intermediary_id) if self.intermediary_id else credentials

    @contextlib.contextmanager
    def clients(self, *apis: Api, retries: bool = True, shared: Shared | None = None) -> Iterator[list[Any]]:
        """One client per version asked (default: ``--api``'s), closed at the end.

        ``retries=False``: one attempt per request (``check``: a quick verdict, even when AVIV is down).
        ``shared``: the token store and rate budget shared with other processes (``--redis-url``, ``--rate``).
        """
        from aviv_caas_auth.factory import create_client

        credentials = self.credentials()
        with self._local() as local:
            made = []
            try:
                for api in apis or (self.api,):
                    options: dict[str, Any] = {} if retries else {"retry": None}
                    if shared is not None:
                        options.update(shared.client_options())
                    environment = self.environment
                    if local is not None:
                        environment = "sandbox"
                        options["base_url"] = f"{local}/sandbox/caas/{api}"
                        options["token_url"] = f"{local}{TOKEN_PATH}"
                    made.append(
                        create_client(
                            credentials,
                            api=api,
                            environment=environment,
                            user_agent=self.user_agent,
                            timeout=self.timeout,
                            **options,
                        )
                    )
                yield made
            finally:
                for client in made:
                    client.get_httpx_client().close()

    @contextlib.contextmanager
    def _local(self) -> Iterator[str | None]:
        """The local sandbox's root URL (started here for ``--sandbox-local`` alone), or None."""
        if self.sandbox_local is None:
            yield None
            return
        if self.sandbox_local:
            parts = urlsplit(self.sandbox_local)
            if parts.scheme != "http" or not parts.hostname:
                raise ConfigurationError(
                    f"--sandbox-local takes the local sandbox's root URL, e.g. http://127.0.0.1:8080, "
                    f"not {self.sandbox_local!r}"
                )
            yield f"{parts.scheme}://{parts.netloc}"
            return
        from aviv_caas_auth.sandbox.server import Sandbox

        with Sandbox.start() as sandbox:
            yield sandbox.url
