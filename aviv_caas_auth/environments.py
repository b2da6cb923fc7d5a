"""AVIV's environments: each fixes the token audience and the API base URL together, per API version."""

from __future__ import annotations

from typing import Literal, get_args

import attrs

from aviv_caas_auth.apis import DEFAULT_API, base_urls
from aviv_caas_auth.errors import ConfigurationError

Environment = Literal["production", "sandbox"]
TOKEN_URL = "https://auth.api.aviv-group.com/oauth/token"  # noqa: S105 - a URL, not a secret


@attrs.frozen
class Endpoints:
    """Where tokens come from, who they are for (audience), and where API calls go."""

    audience: str
    base_url: str
    token_url: str


def endpoints_for(
    environment: Environment,
    *,
    api: str = DEFAULT_API,
    base_url: str | None = None,
    token_url: str | None = None,
) -> Endpoints:
    """Endpoints of ``environment`` for the API version ``api`` ("v3" or "v4").

    The audience is the environment's base URL in ``api``'s pinned document (``servers``), e.g.
    ``https://api.aviv-group.com/sandbox/caas/v4``; one token URL serves every version.
    ``base_url``/``token_url`` only redirect traffic (tests, proxies): the audience stays.
    """
    if environment not in get_args(Environment):
        choices = " or ".join(repr(e) for e in get_args(Environment))
        raise ConfigurationError(f"environment must be {choices}, not {environment!r}")
    audience = base_urls(api)[environment]
    return Endpoints(
        audience=audience,
        base_url=(base_url or audience).rstrip("/"),
        token_url=token_url or TOKEN_URL,
    )
