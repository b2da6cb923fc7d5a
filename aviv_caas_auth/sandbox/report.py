"""The token-reuse report: AVIV's review check that a client caches its token for its whole lifetime.

Per (client_id, intermediary_id) the ledger counts token requests and API calls, and flags every
token request made while a token issued earlier for the same key and audience was still valid
(a token the API rejected with 401 no longer counts as valid: fetching a new one then is right).

A request in the last ``refresh_grace`` seconds of the valid token is an *early refresh*, not a
violation. The default grace is aviv-caas's own proactive window, so the judge is tuned to the
defendant: the summary therefore also prints the strict figure, with no grace at all, beside it.

One report covers every API version: a v3 and a v4 token are for different audiences, so each
is one token, reused for its lifetime (2 token requests for both versions is compliant).
``report(audience=...)`` counts one audience only (one version in one environment).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aviv_caas_auth.sandbox.clock import Clock
from aviv_caas_auth.sandbox.tokens import IssuedToken


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _duration(seconds: float) -> str:
    """``3600`` -> ``1 h``, ``150`` -> ``2 min 30 s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{value} {unit}" for value, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if value]
    return " ".join(parts) or f"{seconds:g} s"


def _verdict(violations: int) -> str:
    if not violations:
        return "compliant"
    return f"NOT compliant: {_plural(violations, 'token')} requested while a valid one existed"


@dataclass(frozen=True)
class ReuseViolation:
    """A token requested while a valid one existed for the same key and audience."""

    requested_at: datetime
    audience: str
    valid_token_seconds_left: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "requestedAt": self.requested_at.isoformat(),
            "audience": self.audience,
            "validTokenSecondsLeft": round(self.valid_token_seconds_left, 3),
        }


@dataclass(frozen=True)
class ClientUsage:
    """One (client_id, intermediary_id): its token requests, API calls, reuse violations, early refreshes.

    ``early_refreshes``: tokens requested within the last ``refresh_grace`` seconds of a valid one
    (not violations, but a strict reviewer would count them).
    """

    client_id: str
    intermediary_id: str
    token_requests: int
    api_calls: int
    violations: tuple[ReuseViolation, ...]
    early_refreshes: tuple[ReuseViolation, ...] = ()
    refresh_grace: float = 0.0

    @property
    def compliant(self) -> bool:
        """No token was requested while a valid one existed (early refreshes within the grace allowed)."""
        return not self.violations

    @property
    def strictly_compliant(self) -> bool:
        """No token was requested while a valid one existed, not even within the grace."""
        return not self.violations and not self.early_refreshes

    @property
    def summary(self) -> str:
        """E.g. ``1 token request for 12 API calls — compliant``, and the strict figure if graced."""
        line = f"{_plural(self.token_requests, 'token request')} for {_plural(self.api_calls, 'API call')} — "
        line += _verdict(len(self.violations))
        if self.refresh_grace > 0:
            strict = _verdict(len(self.violations) + len(self.early_refreshes))
            line += f" (strict, without the {_duration(self.refresh_grace)} refresh grace: {strict})"
        return line

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "clientId": self.client_id,
            "intermediaryId": self.intermediary_id,
            "tokenRequests": self.token_requests,
            "apiCalls": self.api_calls,
            "compliant": self.compliant,
            "strictlyCompliant": self.strictly_compliant,
            "refreshGrace": self.refresh_grace,
            "violations": [v.to_dict() for v in self.violations],
            "earlyRefreshes": [v.to_dict() for v in self.early_refreshes],
            "summary": self.summary,
        }


@dataclass(frozen=True)
class TokenReuseReport:
    """The report for every key seen, plus API calls no issued token could be tied to."""

    clients: tuple[ClientUsage, ...]
    unattributed_api_calls: int = 0

    @property
    def compliant(self) -> bool:
        """Every key is compliant."""
        return all(client.compliant for client in self.clients)

    @property
    def strictly_compliant(self) -> bool:
        """Every key is compliant with no refresh grace at all."""
        return all(client.strictly_compliant for client in self.clients)

    def client(self, client_id: str, intermediary_id: str) -> ClientUsage:
        """The usage of one key (zero counts if it was never seen)."""
        for usage in self.clients:
            if (usage.client_id, usage.intermediary_id) == (client_id, intermediary_id):
                return usage
        return ClientUsage(client_id, intermediary_id, 0, 0, ())

    def summary(self) -> str:
        """One line per key (just the line when there is one key)."""
        if not self.clients:
            return "no token requested yet"
        if len(self.clients) == 1:
            return self.clients[0].summary
        return "\n".join(f"{c.client_id} / {c.intermediary_id}: {c.summary}" for c in self.clients)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (served on ``GET /_sandbox/report``)."""
        return {
            "compliant": self.compliant,
            "strictlyCompliant": self.strictly_compliant,
            "summary": self.summary(),
            "clients": [c.to_dict() for c in self.clients],
            "unattributedApiCalls": self.unattributed_api_calls,
        }


@dataclass
class _Usage:
    token_requests: int = 0
    api_calls: int = 0
    violations: list[ReuseViolation] = field(default_factory=list)
    early_refreshes: list[ReuseViolation] = field(default_factory=list)


class UsageLedger:
    """Records token requests and API calls as they happen; ``report()`` takes a snapshot."""

    def __init__(self, clock: Clock, refresh_grace: float = 0.0) -> None:
        self._clock = clock
        self._grace = refresh_grace
        # (client_id, intermediary_id, audience) -> its counts; reports add up the audiences.
        self._usage: dict[tuple[str, str, str], _Usage] = {}
        self._valid_until: dict[tuple[str, str, str], float] = {}
        self._unattributed = 0
        self._lock = threading.Lock()

    def token_issued(self, token: IssuedToken) -> None:
        """A token was issued: flag it if a valid one already existed for its key and audience."""
        with self._lock:
            scope = (*token.key, token.audience)
            usage = self._usage.setdefault(scope, _Usage())
            usage.token_requests += 1
            left = self._valid_until.get(scope, float("-inf")) - token.issued_at
            if left > 0:
                found = ReuseViolation(self._clock.wall(token.issued_at), token.audience, left)
                (usage.violations if left > self._grace else usage.early_refreshes).append(found)
            self._valid_until[scope] = max(self._valid_until.get(scope, float("-inf")), token.expires_at)

    def api_call(self, token: IssuedToken | None) -> None:
        """An API call was made with ``token`` (``None``: no token this sandbox issued)."""
        with self._lock:
            if token is None:
                self._unattributed += 1
            else:
                self._usage.setdefault((*token.key, token.audience), _Usage()).api_calls += 1

    def token_rejected(self, token: IssuedToken) -> None:
        """The API answered 401 to ``token``: the client is right to fetch a new one."""
        with self._lock:
            self._valid_until.pop((*token.key, token.audience), None)

    def report(self, audience: str | None = None) -> TokenReuseReport:
        """A snapshot of the counts so far: every audience, or only ``audience``."""
        with self._lock:
            keys: dict[tuple[str, str], _Usage] = {}
            for (client_id, intermediary_id, scope), usage in sorted(self._usage.items()):
                if audience is None or scope == audience:
                    total = keys.setdefault((client_id, intermediary_id), _Usage())
                    total.token_requests += usage.token_requests
                    total.api_calls += usage.api_calls
                    total.violations += usage.violations
                    total.early_refreshes += usage.early_refreshes
            clients = tuple(
                ClientUsage(
                    key[0],
                    key[1],
                    u.token_requests,
                    u.api_calls,
                    tuple(sorted(u.violations, key=lambda v: v.requested_at)),
                    tuple(sorted(u.early_refreshes, key=lambda v: v.requested_at)),
                    self._grace,
                )
                for key, u in keys.items()
            )
            return TokenReuseReport(clients, self._unattributed if audience is None else 0)
