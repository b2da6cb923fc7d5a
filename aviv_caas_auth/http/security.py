"""Secrets and bearer tokens only travel over https, except to this machine (loopback)."""

from __future__ import annotations

import ipaddress

import httpx

from aviv_caas_auth.errors import InsecureTransportError


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_secure_url(url: httpx.URL) -> bool:
    """Whether ``url`` is https, or plain http to a loopback host."""
    return url.scheme == "https" or (url.scheme == "http" and is_loopback_host(url.host))


def require_secure_url(url: str, *, what: str) -> None:
    """Raise InsecureTransportError unless ``url`` is https or loopback http."""
    parsed = httpx.URL(url)
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise InsecureTransportError(f"{what} must be an absolute http(s) URL, got {url!r}")
    if not is_secure_url(parsed):
        raise InsecureTransportError(
            f"{what} {url!r} uses plain http to a host that is not loopback: credentials and bearer "
            "tokens would travel unencrypted. Use https (plain http is accepted only for 127.0.0.1, "
            "::1 and localhost, e.g. the local sandbox)."
        )
