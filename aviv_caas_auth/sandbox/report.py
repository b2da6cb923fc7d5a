"""The token-reuse report: AVIV's review check that a client caches its token and does not hammer.

Per (client_id, intermediary_id) the ledger counts every token request — failed ones included
(400, 401, 403, 429, 5xx: AVIV counts them too) — and API calls, and judges two rules, each per
key and audience:

- **Reuse**: a token request made while a token issued earlier was still valid is a violation (a
  token the API rejected with 401 no longer counts as valid: asking for a new one then is right).
  A request in the last ``refresh_grace`` seconds of the valid token is an *early refresh*, not a
  violation. The default grace is aviv-caas's own proactive window, so the judge is tuned to the
  defendant: the summary therefore also prints the strict figure, with no grace at all, beside it.
- **Backoff**: after a failed token request, the next one must wait at least what the failure
  asked for: its ``Retry-After`` if it had one, and the backoff — ``first`` seconds after one
  failure, doubling with each further failure in a row, up to ``most`` (``token_backoff``,
  1 s to 60 s by default). A request sent earlier is *too soon* (a violation). The wait is
  counted from the failed answer to the next request's arrival, on the sandbox's clock or in real
  time, whichever says more time passed (a frozen test clock does not make a real wait too
  soon); a success ends the series, and a 401 from the API to the key's token lifts the wait.

One report covers every API version: a v3 and a v4 token are for different audiences, so each
is one token, reused for its lifetime (2 token requests for both versions is compliant).
``report(audience=...)`` counts one audience only (one version in one environment).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aviv_caas_auth.clock import SYSTEM_CLOCK
from aviv_caas_auth.sandbox.clock import SandboxTime
from aviv_caas_auth.sandbox.tokens import IssuedToken

TOLERANCE = 0.001
"""Seconds a request may come before its wait ends and still count as waiting (float rounding)."""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _duration(seconds: float) -> str:
    """``3600`` -> ``1 h``, ``150`` -> ``2 min 30 s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{value} {unit}" for value, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if value]
    return " ".join(parts) or f"{seconds:g} s"


def _verdict(reuse: int, too_soon: int) -> str:
    problems = []
    if reuse:
        problems.append(f"{_plural(reuse, 'token')} requested while a valid one existed")
    if too_soon:
        problems.append(f"{_plural(too_soon, 'token request')} too soon after a failed one")
    return f"NOT compliant: {', '.join(problems)}" if problems else "compliant"


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
class BackoffViolation:
    """A token request sent before the wait a failed one asked for had passed (same key and audience).

    Attributes:
        requested_at: when it arrived.
        audience: the audience asked for.
        after_status: the HTTP status of the failed request before it (401, 429, 503...).
        failures_in_a_row: how many token requests had failed in a row before it.
        waited: seconds between that failed answer and this request.
        required: seconds the rule asked for: the backoff, or the ``Retry-After`` if longer.
        retry_after: the failed answer's ``Retry-After`` in seconds, if it had one.

    """

    requested_at: datetime
    audience: str
    after_status: int
    failures_in_a_row: int
    waited: float
    required: float
    retry_after: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "requestedAt": self.requested_at.isoformat(),
            "audience": self.audience,
            "afterStatus": self.after_status,
            "failuresInARow": self.failures_in_a_row,
            "waited": round(self.waited, 3),
            "required": round(self.required, 3),
            "retryAfter": self.retry_after,
        }


@dataclass(frozen=True)
class ClientUsage:
    """One (client_id, intermediary_id): its token requests (failed ones too), API calls and violations.

    ``early_refreshes``: tokens requested within the last ``refresh_grace`` seconds of a valid one
    (not violations, but a strict reviewer would count them). ``failures``: the failed token
    requests, as ``(HTTP status, how many)``. ``backoff_violations``: token requests sent too soon
    after a failed one.
    """

    client_id: str
    intermediary_id: str
    token_requests: int
    api_calls: int
    violations: tuple[ReuseViolation, ...]
    early_refreshes: tuple[ReuseViolation, ...] = ()
    refresh_grace: float = 0.0
    failures: tuple[tuple[int, int], ...] = ()
    backoff_violations: tuple[BackoffViolation, ...] = ()

    @property
    def failed_token_requests(self) -> int:
        """Token requests answered with an error (4xx, 5xx)."""
        return sum(count for _status, count in self.failures)

    @property
    def tokens_issued(self) -> int:
        """Token requests that got a token."""
        return self.token_requests - self.failed_token_requests

    @property
    def compliant(self) -> bool:
        """No token requested while a valid one existed (early refreshes allowed), none too soon."""
        return not self.violations and not self.backoff_violations

    @property
    def strictly_compliant(self) -> bool:
        """Compliant with no refresh grace at all."""
        return self.compliant and not self.early_refreshes

    @property
    def summary(self) -> str:
        """E.g. ``1 token request for 12 API calls — compliant``, and the strict figure if graced.

        Failed token requests are counted in, and shown by status:
        ``3 token requests (2 failed: 1 with 429, 1 with 503) for 12 API calls — compliant``.
        """
        requests = _plural(self.token_requests, "token request")
        if self.failures:
            statuses = ", ".join(f"{count} with {status}" for status, count in self.failures)
            requests += f" ({self.failed_token_requests} failed: {statuses})"
        line = f"{requests} for {_plural(self.api_calls, 'API call')} — "
        line += _verdict(len(self.violations), len(self.backoff_violations))
        if self.refresh_grace > 0:
            strict = _verdict(len(self.violations) + len(self.early_refreshes), len(self.backoff_violations))
            line += f" (strict, without the {_duration(self.refresh_grace)} refresh grace: {strict})"
        return line

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "clientId": self.client_id,
            "intermediaryId": self.intermediary_id,
            "tokenRequests": self.token_requests,
            "tokensIssued": self.tokens_issued,
            "failedTokenRequests": {str(status): count for status, count in self.failures},
            "apiCalls": self.api_calls,
            "compliant": self.compliant,
            "strictlyCompliant": self.strictly_compliant,
            "refreshGrace": self.refresh_grace,
            "violations": [v.to_dict() for v in self.violations],
            "earlyRefreshes": [v.to_dict() for v in self.early_refreshes],
            "backoffViolations": [v.to_dict() for v in self.backoff_violations],
            "summary": self.summary,
        }


@dataclass(frozen=True)
class TokenReuseReport:
    """The report for every key seen, plus what could not be tied to a key.

    ``unattributed_api_calls``: API calls with no token this sandbox issued;
    ``unattributed_token_requests``: token requests whose body named no ``client_id``.
    """

    clients: tuple[ClientUsage, ...]
    unattributed_api_calls: int = 0
    unattributed_token_requests: int = 0

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
        lines = [f"{c.client_id} / {c.intermediary_id}: {c.summary}" for c in self.clients]
        if len(self.clients) == 1:
            lines = [self.clients[0].summary]
        if self.unattributed_token_requests:
            unnamed = _plural(self.unattributed_token_requests, "token request")
            lines.append(f"{unnamed} naming no client_id (refused, not judged)")
        return "\n".join(lines) or "no token requested yet"

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
            "unattributedTokenRequests": self.unattributed_token_requests,
        }


Scope = tuple[str, str, str]
"""(client_id, intermediary_id, audience): what both rules are judged per."""

Reading = tuple[float, float]
"""(the sandbox clock's ``now()``, real monotonic seconds)."""


@dataclass
class _Usage:
    """The counts of one scope, and the state both rules need."""

    token_requests: int = 0
    api_calls: int = 0
    failures: Counter[int] = field(default_factory=Counter)
    violations: list[ReuseViolation] = field(default_factory=list)
    early_refreshes: list[ReuseViolation] = field(default_factory=list)
    backoff_violations: list[BackoffViolation] = field(default_factory=list)
    valid_until: float = float("-inf")
    failures_in_a_row: int = 0
    failed_at: Reading | None = None  # when the last failed request was answered
    failed_status: int = 0
    retry_after: float | None = None
    wait: float = 0.0  # what the last failure asks the next request to wait

    def add(self, other: _Usage) -> None:
        """Sum ``other``'s counts into this one."""
        self.token_requests += other.token_requests
        self.api_calls += other.api_calls
        self.failures += other.failures
        self.violations += other.violations
        self.early_refreshes += other.early_refreshes
        self.backoff_violations += other.backoff_violations


@dataclass(frozen=True)
class TokenRequestTicket:
    """A token request that arrived (``UsageLedger.token_requested``), to be settled when answered."""

    scope: Scope | None
    arrived: Reading
    too_soon: BackoffViolation | None


class UsageLedger:
    """Records token requests and API calls as they happen; ``report()`` takes a snapshot.

    A token request is recorded twice: when it arrives (``token_requested``: is it too soon after
    a failed one?) and when it is answered (``token_answered``: counted, a failure starts or
    lengthens the wait, a token is checked against the reuse rule).
    """

    def __init__(
        self, clock: SandboxTime, refresh_grace: float = 0.0, backoff: tuple[float, float] = (1.0, 60.0)
    ) -> None:
        self._clock = clock
        self._grace = refresh_grace
        self._backoff = backoff
        self._usage: dict[Scope, _Usage] = {}
        self._unattributed_api_calls = 0
        self._unattributed_token_requests = 0
        self._lock = threading.Lock()

    def _now(self) -> Reading:
        return self._clock.now(), SYSTEM_CLOCK.monotonic()

    def backoff(self, failures_in_a_row: int) -> float:
        """The wait after ``failures_in_a_row`` failed token requests: first, doubling, capped."""
        first, most = self._backoff
        return float(min(most, first * 2.0 ** min(64, failures_in_a_row - 1)))

    def token_requested(self, scope: Scope | None) -> TokenRequestTicket:
        """A token request for ``scope`` arrived (None: its body named no client_id)."""
        now = self._now()
        with self._lock:
            usage = self._usage.get(scope) if scope is not None else None
            too_soon = None
            if scope is not None and usage is not None and usage.failed_at is not None and usage.wait > 0:
                waited = max(now[0] - usage.failed_at[0], now[1] - usage.failed_at[1])
                if waited + TOLERANCE < usage.wait:
                    too_soon = BackoffViolation(
                        self._clock.wall(now[0]),
                        scope[2],
                        usage.failed_status,
                        usage.failures_in_a_row,
                        max(0.0, waited),
                        usage.wait,
                        usage.retry_after,
                    )
        return TokenRequestTicket(scope, now, too_soon)

    def token_answered(
        self,
        ticket: TokenRequestTicket,
        status: int,
        *,
        token: IssuedToken | None = None,
        retry_after: float | None = None,
    ) -> None:
        """``ticket``'s request was answered ``status`` (with ``token`` if one was issued)."""
        now = self._now()
        with self._lock:
            if ticket.scope is None:
                self._unattributed_token_requests += 1
                return
            usage = self._usage.setdefault(ticket.scope, _Usage())
            usage.token_requests += 1
            if ticket.too_soon is not None:
                usage.backoff_violations.append(ticket.too_soon)
            left = usage.valid_until - ticket.arrived[0]
            if left > 0:
                found = ReuseViolation(self._clock.wall(ticket.arrived[0]), ticket.scope[2], left)
                (usage.violations if left > self._grace else usage.early_refreshes).append(found)
            if token is not None:
                usage.valid_until = max(usage.valid_until, token.expires_at)
                usage.failures_in_a_row, usage.failed_at, usage.wait = 0, None, 0.0
                return
            usage.failures[status] += 1
            usage.failures_in_a_row += 1
            usage.failed_at, usage.failed_status, usage.retry_after = now, status, retry_after
            usage.wait = max(self.backoff(usage.failures_in_a_row), retry_after or 0.0)

    def api_call(self, token: IssuedToken | None) -> None:
        """An API call was made with ``token`` (``None``: no token this sandbox issued)."""
        with self._lock:
            if token is None:
                self._unattributed_api_calls += 1
            else:
                self._usage.setdefault((*token.key, token.audience), _Usage()).api_calls += 1

    def token_rejected(self, token: IssuedToken) -> None:
        """The API answered 401 to ``token``: the client is right to fetch a new one, at once."""
        with self._lock:
            usage = self._usage.setdefault((*token.key, token.audience), _Usage())
            usage.valid_until = float("-inf")
            usage.wait = 0.0

    def report(self, audience: str | None = None) -> TokenReuseReport:
        """A snapshot of the counts so far: every audience, or only ``audience``."""
        with self._lock:
            keys: dict[tuple[str, str], _Usage] = {}
            for (client_id, intermediary_id, scope), usage in sorted(self._usage.items()):
                if audience is None or scope == audience:
                    keys.setdefault((client_id, intermediary_id), _Usage()).add(usage)
            clients = tuple(
                ClientUsage(
                    key[0],
                    key[1],
                    u.token_requests,
                    u.api_calls,
                    tuple(sorted(u.violations, key=lambda v: v.requested_at)),
                    tuple(sorted(u.early_refreshes, key=lambda v: v.requested_at)),
                    self._grace,
                    tuple(sorted(u.failures.items())),
                    tuple(sorted(u.backoff_violations, key=lambda v: v.requested_at)),
                )
                for key, u in keys.items()
                if u.token_requests or u.api_calls
            )
            return TokenReuseReport(
                clients,
                self._unattributed_api_calls if audience is None else 0,
                self._unattributed_token_requests if audience is None else 0,
            )
