"""The User-Agent AVIV's firewall requires: ``<crm>/<version> <tool>/<version> <os>/<version>``."""

from __future__ import annotations

import platform
import re

from aviv_caas_auth.errors import ConfigurationError

# components.parameters.userAgentHeader.schema.pattern of AVIV's spec (a test keeps them equal).
USER_AGENT_PATTERN = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"
_COMPLIANT = re.compile(USER_AGENT_PATTERN)
_PRODUCT = re.compile(r"[^/\s]+/[^/\s]+")
_FORBIDDEN = re.compile(r"[/\s]+")
TOOL_NAME = "aviv-caas"
EXAMPLE = "MyCRM/2.4.1 aviv-caas/0.1.0 Linux/6.1.0"


def _token(text: str) -> str:
    """Make ``text`` usable as one side of ``name/version``: the pattern forbids ``/`` and whitespace."""
    return _FORBIDDEN.sub("-", text.strip()).strip("-") or "unknown"


def platform_product() -> str:
    """The ``<os>/<release>`` part for this machine, e.g. ``Linux/6.1.0-18-amd64``."""
    return f"{_token(platform.system())}/{_token(platform.release())}"


def tool_product(version: str) -> str:
    """The ``<tool>/<version>`` part naming this library."""
    return f"{TOOL_NAME}/{_token(version)}"


def resolve_user_agent(value: str, *, tool_version: str) -> str:
    """Return a compliant User-Agent: a full value is checked, a short ``MyCRM/2.4.1`` is completed.

    Raises ConfigurationError (a ValueError) quoting the required form and an example.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(_explain("user_agent is required", value))
    if _COMPLIANT.fullmatch(value):
        return value
    parts = value.split()
    if 1 <= len(parts) <= 2 and all(_PRODUCT.fullmatch(part) for part in parts):
        added = [tool_product(tool_version)] if len(parts) == 1 else []
        candidate = " ".join([*parts, *added, platform_product()])
        if _COMPLIANT.fullmatch(candidate):
            return candidate
    raise ConfigurationError(_explain("user_agent does not have the form AVIV requires", value))


def _explain(problem: str, value: object) -> str:
    return (
        f"{problem}: {value!r}. AVIV's firewall blocks calls without a User-Agent of the form "
        "'<crm-software-name>/<crm-software-version> <tool-name>/<tool-version> <os>/<os-version>' "
        f"(no '/' or spaces inside a part), e.g. {EXAMPLE!r}. Pass just your product and version, "
        "e.g. user_agent='MyCRM/2.4.1', and aviv-caas completes the rest."
    )
