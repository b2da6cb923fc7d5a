"""What one worker process holds: its Redis token store, its Redis rate budget, and a client per agency.

Built once per process, after the fork: on Celery's ``worker_process_init`` (each prefork child)
or, failing that, on first use in a process whose PID differs from the builder's. Nothing
crosses a fork: a child never uses its parent's Redis connections or HTTP pools. The clients are
kept per agency (``clients_per_process`` at most, the least recently used closed first): each
one's token comes from Redis, so one token per agency and audience serves every worker.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

from aviv_caas_auth import forksafe
from aviv_caas_auth.celery.settings import SyncSettings


class ProcessResources:
    """The token store, the budget and the agencies' clients of the process that built them."""

    def __init__(self, settings: SyncSettings) -> None:
        from aviv_caas_auth.budget.redis import RedisRateBudget
        from aviv_caas_auth.stores.redis_store import RedisTokenStore

        self.pid = os.getpid()
        self.settings = settings
        self.store = RedisTokenStore.from_url(settings.redis_url, **settings.store_options)
        self.budget = (
            None
            if settings.rate is None
            else RedisRateBudget(settings.redis_url, rate=settings.rate, **settings.budget_options)
        )
        self._clients: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ProcessResources pid={self.pid} budget={self.budget!r} clients={len(self._clients)}>"

    def client(self, intermediary_id: str) -> Any:
        """The client acting for ``intermediary_id`` (made on first use, then kept)."""
        with self._lock:
            client = self._clients.get(intermediary_id)
            if client is not None:
                self._clients.move_to_end(intermediary_id)
                return client
        client = self._make(intermediary_id)
        with self._lock:
            kept = self._clients.setdefault(intermediary_id, client)
            evicted = []
            while len(self._clients) > self.settings.clients_per_process:
                evicted.append(self._clients.popitem(last=False)[1])
        for old in [*evicted, *([client] if kept is not client else [])]:
            old.get_httpx_client().close()
        return kept

    def _make(self, intermediary_id: str) -> Any:
        from aviv_caas_auth.factory import create_client

        settings = self.settings
        return create_client(
            settings.credentials_for(intermediary_id),
            api=settings.api,
            environment=settings.environment,
            user_agent=settings.user_agent,
            token_store=self.store,
            rate_budget=self.budget,
            **settings.client_options,
        )

    def close(self) -> None:
        """Close every client's connections and the Redis connections (a worker process ending)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            client.get_httpx_client().close()
        if self.budget is not None:
            self.budget.close()


class PerProcess:
    """The :class:`ProcessResources` of the current process, built on first use after each fork."""

    def __init__(self, settings: SyncSettings) -> None:
        self.settings = settings
        self._built: ProcessResources | None = None
        self._lock = threading.Lock()
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        """A new lock (a parent's thread may hold the old one); the parent's resources are left unused."""
        self._lock = threading.Lock()

    def get(self) -> ProcessResources:
        """The current process's resources (a forked child builds its own; it never uses its parent's)."""
        built = self._built
        if built is not None and built.pid == os.getpid():
            return built
        with self._lock:
            built = self._built
            if built is None or built.pid != os.getpid():
                built = self._built = ProcessResources(self.settings)
            return built

    def close(self) -> None:
        """Close this process's resources, if it built any."""
        with self._lock:
            built, self._built = self._built, None
        if built is not None and built.pid == os.getpid():
            built.close()
