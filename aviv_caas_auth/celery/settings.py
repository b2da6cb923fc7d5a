"""What an agency-sync worker is configured with: where feeds and credentials come from, Redis, the rate.

Task messages carry no secret and no feed: only the agency's ``intermediary_id`` and a
``feed_ref`` (a string the application understands: a file name, an export id, a URL of its own).
Every worker process resolves them itself, with the functions configured here:

- ``feed_loader(intermediary_id, feed_ref)`` → the agency's listings (an iterable of classifieds,
  models or their JSON as dicts), as ``plan_sync`` takes them;
- ``credentials(intermediary_id)`` → the :class:`~aviv_caas_auth.credentials.CaasCredentials` to
  act for that agency (default: ``CaasCredentials.from_env().for_intermediary(intermediary_id)``,
  the worker's ``AVIV_CLIENT_ID`` / ``AVIV_CLIENT_SECRET``).

Both may be given as callables or as dotted paths (``"myapp.feeds:load_feed"``), imported in
the worker on first use (kombu's ``symbol_by_name``), so a settings object can be built from
configuration files or environment variables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.errors import ConfigurationError

FeedLoader = Callable[[str, str | None], Iterable[Any]]
"""``(intermediary_id, feed_ref) -> listings``: the agency's feed, as ``plan_sync`` takes it."""
CredentialsProvider = Callable[[str], CaasCredentials]
"""``intermediary_id -> CaasCredentials``: whom to act as for that agency."""

DEFAULT_MAX_RETRIES = 8
DEFAULT_BACKOFF_MAX = 600.0
DEFAULT_CLIENTS_PER_PROCESS = 64


def credentials_from_env(intermediary_id: str) -> CaasCredentials:
    """The worker's ``AVIV_CLIENT_ID`` / ``AVIV_CLIENT_SECRET``, acting for ``intermediary_id``.

    ``AVIV_INTERMEDIARY_ID`` need not be set: every task names its agency.
    """
    import os

    from aviv_caas_auth.credentials import ENV_INTERMEDIARY_ID

    environ = {ENV_INTERMEDIARY_ID: intermediary_id, **os.environ}
    return CaasCredentials.from_env(environ).for_intermediary(intermediary_id)


@dataclass(frozen=True)
class SyncSettings:
    """How the workers sync an agency (see the module's docstring).

    - ``feed_loader``: the agency's listings for a ``feed_ref`` (callable or dotted path).
    - ``redis_url``: where tokens (``RedisTokenStore``) and the shared rate budget
      (``RedisRateBudget``) live; may be the broker's Redis (their keys are namespaced).
    - ``rate``: AVIV's request rate for the client id (``"20/second"``, an int per second):
      shared by every worker process on every host. None: no shared budget, each process backs
      off on its own 429s (N processes then hit AVIV up to N times harder; ``make bench`` shows it).
    - ``user_agent``: your product, e.g. ``"MyCRM/2.4.1"``.
    - ``credentials``: ``intermediary_id -> CaasCredentials`` (callable or dotted path; None: from
      the worker's environment, :func:`credentials_from_env`).
    - ``api``, ``environment``: as ``create_client``'s; ``client_options``: its other options
      (``base_url``/``token_url`` for a local sandbox, ``timeout``, ``retry``...).
    - ``budget_options``: ``RedisRateBudget``'s (``max_wait``, ``namespace``, ``default_pause``...);
      ``store_options``: ``RedisTokenStore.from_url``'s (``namespace``, ``lock_ttl``...).
    - ``withdraw_missing``: the default of the tasks' ``withdraw_missing`` (off: opt-in per call).
    - ``apply_options``: ``apply_sync``'s (``concurrency``, ``wait``, ``timeout``, ``poll``, ``guard``...).
    - ``max_retries``: how often one agency's task is retried (429, a budget pause, 5xx, network);
      then its report says it failed. ``backoff_max``: the longest wait between two retries that
      AVIV did not time (a 429's ``Retry-After`` is always honoured as given).
    - ``clients_per_process``: the clients a worker process keeps (one per agency, least
      recently used closed first).
    """

    feed_loader: FeedLoader | str
    redis_url: str
    rate: str | int | None
    user_agent: str
    credentials: CredentialsProvider | str | None = None
    api: Literal["v3", "v4"] = "v3"
    environment: Literal["production", "sandbox"] = "production"
    client_options: Mapping[str, Any] = field(default_factory=dict)
    budget_options: Mapping[str, Any] = field(default_factory=dict)
    store_options: Mapping[str, Any] = field(default_factory=dict)
    withdraw_missing: bool = False
    apply_options: Mapping[str, Any] = field(default_factory=dict)
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_max: float = DEFAULT_BACKOFF_MAX
    clients_per_process: int = DEFAULT_CLIENTS_PER_PROCESS

    def __post_init__(self) -> None:
        for name in ("feed_loader", "credentials"):
            value = getattr(self, name)
            if not (value is None and name == "credentials") and not (
                callable(value) or (isinstance(value, str) and value.strip())
            ):
                raise ConfigurationError(
                    f"SyncSettings.{name} must be a function or its dotted path ('myapp.feeds:load_feed'), "
                    f"not {type(value).__name__}"
                )
        if not isinstance(self.redis_url, str) or not self.redis_url:
            raise ConfigurationError("SyncSettings.redis_url must be a Redis URL (redis://host:6379/0)")
        if self.api not in ("v3", "v4") or self.environment not in ("production", "sandbox"):
            raise ConfigurationError(
                f"SyncSettings: api is v3 or v4 and environment production or sandbox, got "
                f"{self.api!r} and {self.environment!r}"
            )
        reserved = {"credentials", "api", "environment", "user_agent", "token_store", "rate_budget"}
        if taken := sorted(reserved & set(self.client_options)):
            raise ConfigurationError(
                f"SyncSettings.client_options cannot set {', '.join(taken)}: the settings' own fields do"
            )
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or self.max_retries < 0
        ):
            raise ConfigurationError(
                f"SyncSettings.max_retries must be a whole number >= 0, not {self.max_retries!r}"
            )
        if (
            isinstance(self.clients_per_process, bool)
            or not isinstance(self.clients_per_process, int)
            or (self.clients_per_process < 1)
        ):
            raise ConfigurationError(
                "SyncSettings.clients_per_process must be a whole number >= 1, "
                f"not {self.clients_per_process!r}"
            )
        for name in ("client_options", "budget_options", "store_options", "apply_options"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def __repr__(self) -> str:  # the Redis URL may hold a password
        return f"SyncSettings(api={self.api!r}, environment={self.environment!r}, rate={self.rate!r})"

    def load_feed(self, intermediary_id: str, feed_ref: str | None) -> list[Any]:
        """The agency's listings, from the configured loader."""
        return list(_resolve(self.feed_loader, "feed_loader")(intermediary_id, feed_ref))

    def credentials_for(self, intermediary_id: str) -> CaasCredentials:
        """The credentials to act for ``intermediary_id``, from the configured provider."""
        provider = credentials_from_env if self.credentials is None else self.credentials
        credentials = _resolve(provider, "credentials")(intermediary_id)
        if not isinstance(credentials, CaasCredentials):
            raise ConfigurationError(
                f"SyncSettings.credentials returned {type(credentials).__name__}, not CaasCredentials"
            )
        if credentials.intermediary_id != intermediary_id:
            raise ConfigurationError(
                "SyncSettings.credentials returned credentials for another agency than the one asked for: "
                "use CaasCredentials.for_intermediary(intermediary_id)"
            )
        return credentials


def _resolve(target: Callable[..., Any] | str, what: str) -> Callable[..., Any]:
    """``target``, or the function its dotted path names (imported here, in the worker)."""
    if callable(target):
        return target
    from kombu.utils.imports import symbol_by_name

    try:
        found = symbol_by_name(target)
    except (ImportError, AttributeError, ValueError) as error:
        raise ConfigurationError(f"SyncSettings.{what}: cannot import {target!r}: {error}") from None
    if not callable(found):
        raise ConfigurationError(f"SyncSettings.{what}: {target!r} is not a function")
    return found  # type: ignore[no-any-return]
