"""The User-Agent AVIV's firewall requires: ``<crm>/<version> <tool>/<version> <os>/<version>``.

Besides the spec's pattern, the value must be header-safe: visible ASCII and single spaces. The
pattern alone lets through ``LogicielImmobilière/3.2`` or a control character, which no HTTP
header can carry (every call would then fail with a raw ``UnicodeEncodeError``): such a value is
refused when the client is built, with an ASCII spelling to use instead. The parts completed here
(this library's version, the OS and its release) are made header-safe rather than refused: the
platform's strings are not the caller's to fix.
"""

from __future__ import annotations

import platform
import re

from aviv_caas_auth.errors import ConfigurationError

# components.parameters.userAgentHeader.schema.pattern of AVIV's spec (a test keeps them equal).
USER_AGENT_PATTERN = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"
_COMPLIANT = re.compile(USER_AGENT_PATTERN)
_PRODUCT = re.compile(r"[^/\s]+/[^/\s]+")
_NOT_IN_A_PART = re.compile(r"[^\x21-\x2e\x30-\x7e]+")
"""Runs of what one side of ``name/version`` cannot hold: ``/``, spaces, controls, non-ASCII."""
_NOT_HEADER_SAFE = re.compile(r"[^\x20-\x7e]")
"""What no User-Agent may hold: control characters (NUL, CR, LF, tab, DEL) and non-ASCII."""
TOOL_NAME = "aviv-caas"
EXAMPLE = "MyCRM/2.4.1 aviv-caas/0.1.0 Linux/6.1.0"


def _ascii(text: str) -> str:
    """``text`` in ASCII: accents dropped (``è`` -> ``e``), what has no ASCII form removed."""
    if text.isascii():
        return text
    import unicodedata  # deferred: only non-ASCII text needs it

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _token(text: str) -> str:
    """Make ``text`` usable as one side of ``name/version``: header-safe, without ``/`` or whitespace."""
    return _NOT_IN_A_PART.sub("-", _ascii(text).strip()).strip("-") or "unknown"


def platform_product() -> str:
    """The ``<os>/<release>`` part for this machine, e.g. ``Linux/6.1.0-18-amd64``."""
    return f"{_token(platform.system())}/{_token(platform.release())}"


def tool_product(version: str) -> str:
    """The ``<tool>/<version>`` part naming this library."""
    return f"{TOOL_NAME}/{_token(version)}"


def resolve_user_agent(value: str, *, tool_version: str) -> str:
    """Return a compliant User-Agent: a full value is checked, a short ``MyCRM/2.4.1`` is completed.

    Raises ConfigurationError (a ValueError) quoting the required form and an example, or, for a
    value no HTTP header can carry, naming the character and an ASCII spelling to use instead.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(_explain("user_agent is required", value))
    unsafe = _NOT_HEADER_SAFE.search(value)
    if unsafe is not None:
        raise ConfigurationError(_not_header_safe(value, unsafe))
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


def _not_header_safe(value: str, unsafe: re.Match[str]) -> str:
    char = unsafe.group()
    code = ord(char)
    kind = "a control character" if code < 0x20 or code == 0x7F else f"{char!r}, which is not ASCII"
    parts = (_ascii("".join(c for c in part if c.isprintable())) for part in value.split())
    spelled = " ".join(part for part in parts if part)
    if not spelled or not all(_PRODUCT.fullmatch(part) for part in spelled.split(" ")):
        spelled = "MyCRM/2.4.1"  # nothing usable is left once spelled in ASCII
    return (
        f"user_agent {value!r} holds {kind} (U+{code:04X} at position {unsafe.start()}): HTTP headers "
        f"carry visible ASCII and spaces only, so every call would fail. Spell it in ASCII, e.g. "
        f"user_agent={spelled!r}."
    )
