"""AVIV's environments: each fixes the token audience and the API base URL together."""

from __future__ import annotations

from typing import Literal, get_args

import attrs

from aviv_caas_auth.errors import ConfigurationError

Environment = Literal["production", "sandbox"]
TOKEN_URL = "https://auth.api.aviv-group.com/oauth/token"  # noqa: S105 - a URL, not a secret


@attrs.frozen
class Endpoints:
    """Where tokens come from, who they are for (audience), and where API calls go."""

    audience: str
    base_url: str
    token_url: str


_AUDIENCES: dict[str, str] = {
    "production": "https://api.aviv-group.com/caas/v3",
    "sandbox": "https://api.aviv-group.com/sandbox/caas/v3",
}


def endpoints_for(
    environment: Environment, *, base_url: str | None = None, token_url: str | None = None
) -> Endpoints:
    """Endpoints of ``environment``; ``base_url``/``token_url`` only redirect traffic (tests, proxies)."""
    if environment not in _AUDIENCES:
        choices = " or ".join(repr(e) for e in get_args(Environment))
        raise ConfigurationError(f"environment must be {choices}, not {environment!r}")
    audience = _AUDIENCES[environment]
    return Endpoints(
        audience=audience,
        base_url=(base_url or audience).rstrip("/"),
        token_url=token_url or TOKEN_URL,
    )
