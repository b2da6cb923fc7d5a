"""Status callbacks: POST each new classified status to the subscriber's URL, loopback only."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from aviv_caas_auth.sandbox.problems import new_traceparent
from aviv_caas_auth.sandbox.state import Notification

USER_AGENT = "aviv-caas-sandbox/0.1.0 httpx/0 local/0"


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is ``localhost`` or a loopback address: the only place the sandbox calls."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Delivery:
    """One attempted callback: where, which status, and the subscriber's HTTP status or the error."""

    url: str
    classified_id: str
    status: str
    http_status: int | None
    error: str | None


class WebhookSender:
    """Delivers notifications synchronously (so a test sees them when the call that caused them returns)."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def deliver(self, notifications: Iterable[Notification]) -> None:
        """POST every notification; failures are recorded, never raised."""
        for note in notifications:
            if not is_loopback_url(note.url):  # subscriptions are checked already; belt and braces
                self._record(
                    Delivery(note.url, note.classified_id, note.body["status"], None, "not a loopback URL")
                )
                continue
            headers = {"User-Agent": USER_AGENT, "traceparent": new_traceparent()}
            try:
                response = httpx.post(
                    note.url, json=note.body, headers=headers, timeout=self._timeout, trust_env=False
                )
                delivery = Delivery(
                    note.url, note.classified_id, note.body["status"], response.status_code, None
                )
            except httpx.HTTPError as error:
                delivery = Delivery(note.url, note.classified_id, note.body["status"], None, repr(error))
            self._record(delivery)

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    def deliveries(self) -> list[Delivery]:
        """Every attempted delivery so far, oldest first."""
        with self._lock:
            return list(self._deliveries)
