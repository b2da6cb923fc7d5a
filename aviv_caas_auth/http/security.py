"""Secrets and bearer tokens only travel over https, except to this machine (loopback).

Loopback is trusted by address: 127.0.0.0/8 and ::1. The one name trusted is ``localhost``, and
only when this machine's resolver answers it with loopback addresses alone; a name *under* it
(``app.localhost``) or any other name is not trusted: what it resolves to is up to a resolver,
which could send the secret elsewhere in clear.
"""

from __future__ import annotations

import functools
import ipaddress
import socket

import httpx

from aviv_caas_auth.errors import InsecureTransportError


@functools.lru_cache(maxsize=1)
def _localhost_is_loopback() -> bool:
    """Whether ``localhost`` resolves to loopback addresses only, here (asked once per process)."""
    try:
        answers = socket.getaddrinfo("localhost", None)
    except OSError:
        return False
    addresses = {str(answer[4][0]) for answer in answers}
    return bool(addresses) and all(_is_loopback_address(address) for address in addresses)


def _is_loopback_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.partition("%")[0])  # without an IPv6 zone
    except ValueError:
        return False
    return address.is_loopback


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: a loopback address, or ``localhost`` resolving to loopback only."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return _localhost_is_loopback()
    return _is_loopback_address(host)


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
            "tokens would travel unencrypted. Use https (plain http is accepted only for loopback "
            "addresses, 127.0.0.1 or ::1, and for localhost when it resolves to them; not for names "
            "under localhost, which a resolver may send elsewhere)."
        )
