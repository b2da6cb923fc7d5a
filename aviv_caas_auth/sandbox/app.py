"""The sandbox's WSGI application: routing and the request pipeline of AVIV's stack.

It serves every API version of the config (v3 and v4 by default, each at its servers' paths:
:mod:`aviv_caas_auth.sandbox.served`) behind one token endpoint. Every API request goes, in
order, through: the firewall (a valid ``User-Agent``), the fault knobs (the gateway's
429/5xx/HTML/slowness, a forced 401), authentication (a token this sandbox issued, unexpired,
for the audience of the base path called: a v3 token is refused by v4 and the reverse),
parameter and body validation against that version's prepared spec, then the operation. Every
response carries a W3C ``traceparent``; problems repeat it as ``instance``. The token endpoint
and the ``/_sandbox/*`` admin endpoints share the routing map.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.sandbox.errors import SandboxError, extra_missing

try:
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.http import http_date
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None

from aviv_caas_auth.apis import DEFAULT_API
from aviv_caas_auth.clock import FROZEN_CLOCK_HEADER
from aviv_caas_auth.sandbox.clock import Clock, SandboxTime
from aviv_caas_auth.sandbox.config import ADMIN_PREFIX, TOKEN_PATH, Environment, SandboxConfig
from aviv_caas_auth.sandbox.exchanges import Exchange, ExchangeKind, ExchangeLog
from aviv_caas_auth.sandbox.faults import GATEWAY_HTML, Fault, FaultKnobs
from aviv_caas_auth.sandbox.operations import Call, Operations
from aviv_caas_auth.sandbox.problems import (
    Problem,
    ProblemError,
    forbidden_by_firewall,
    internal_error,
    method_not_allowed,
    new_traceparent,
    not_found,
    rate_limited,
    unauthorized,
)
from aviv_caas_auth.sandbox.processing import ProcessingKnobs
from aviv_caas_auth.sandbox.ratelimit import ClientRateLimit
from aviv_caas_auth.sandbox.report import Scope, UsageLedger
from aviv_caas_auth.sandbox.served import ServedApi
from aviv_caas_auth.sandbox.spec import ApiSpec, Operation
from aviv_caas_auth.sandbox.state import Inventory, Store
from aviv_caas_auth.sandbox.tokens import IssuedToken, OAuthError, TokenIssuer, bearer_token
from aviv_caas_auth.sandbox.validation import check_parameters, parse_body
from aviv_caas_auth.sandbox.webhooks import WebhookSender

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

USER_AGENT_SYNTAX = (
    "<crm>/<version> <tool>/<version> <os>/<version>, e.g. MyAwesomeSoft/1.0.0 curl/7.52.1 debian/9"
)


@dataclass(frozen=True)
class _Outcome:
    response: Response
    kind: ExchangeKind
    operation_id: str | None = None
    fault: str | None = None
    api: str | None = None


class SandboxApp:
    """A stateful fake of AVIV's token endpoint and Classified API, as a WSGI callable."""

    def __init__(
        self,
        config: SandboxConfig,
        clock: Clock,
        spec: ApiSpec | None = None,
        specs: Mapping[str, ApiSpec] | None = None,
    ) -> None:
        """Serve ``config.apis`` on ``clock``; ``spec`` is v3's spec to use, ``specs`` one per version."""
        self.config = config
        self.clock = SandboxTime(clock)
        self.processing = ProcessingKnobs()
        given: dict[str, ApiSpec] = {**({DEFAULT_API: spec} if spec is not None else {}), **(specs or {})}
        if set(given) - set(config.apis):
            raise SandboxError(
                f"specs were given for versions not served: {sorted(set(given) - set(config.apis))}"
            )
        #: The classifieds, shared by every version served (each shows them through its spec).
        self.inventory = Inventory()
        #: The API versions served, by name (``v3``, ``v4``), in ``config.apis`` order.
        self.served: dict[str, ServedApi] = {
            api: ServedApi.start(api, config, self.clock, self.processing, given.get(api), self.inventory)
            for api in config.apis
        }
        self.default = self.served.get(DEFAULT_API) or next(iter(self.served.values()))
        self.environments: tuple[Environment, ...] = tuple(
            env for served in self.served.values() for env in served.environments
        )
        audiences = [env.audience for env in self.environments]
        self.issuer = TokenIssuer(config.clients, config.expires_in, self.clock, audiences)
        self.ledger = UsageLedger(self.clock, config.effective_refresh_grace, config.token_backoff)
        self.faults = FaultKnobs()
        self.rate_limit = ClientRateLimit(config.rate_limit)
        self.exchanges = ExchangeLog(config.max_exchanges)
        self.webhooks = WebhookSender(config.webhook_timeout)
        for served in self.served.values():
            if served.operations.generic:
                logger.warning(
                    "the local sandbox serves %d operation(s) of the %s spec %s generically (request "
                    "validated, documented success answer made from the spec, no state): %s",
                    len(served.operations.generic),
                    served.api,
                    served.spec.version,
                    ", ".join(
                        f"{op.operation_id} ({op.method} {op.path})" for op in served.operations.generic
                    ),
                )
        self.internal_errors: list[str] = []
        self.stopping = threading.Event()
        self._user_agents = {api: s.spec.header_pattern("userAgentHeader") for api, s in self.served.items()}
        self._environments = {(env.api, env.name): env for env in self.environments}
        self.url_map = Map(self._rules(), strict_slashes=False)
        self.clock.subscribe(self.tick)

    # The default version's (v3's) parts, under the names they had when the sandbox served only v3.
    @property
    def spec(self) -> ApiSpec:
        """The spec of the default version (v3)."""
        return self.default.spec

    @property
    def store(self) -> Store:
        """The state of the default version (v3)."""
        return self.default.store

    @property
    def operations(self) -> Operations:
        """The operations of the default version (v3)."""
        return self.default.operations

    def _rules(self) -> Iterable[Rule]:
        yield Rule(TOKEN_PATH, endpoint="token", methods=["POST"])
        yield Rule(f"{ADMIN_PREFIX}/report", endpoint="admin:report", methods=["GET"])
        yield Rule(f"{ADMIN_PREFIX}/clock", endpoint="admin:clock", methods=["GET", "POST"])
        yield Rule(f"{ADMIN_PREFIX}/faults", endpoint="admin:faults", methods=["GET", "POST", "DELETE"])
        yield Rule(f"{ADMIN_PREFIX}/rate-limit", endpoint="admin:rate-limit", methods=["GET"])
        for served in self.served.values():
            for env in served.environments:
                for op in served.spec.operations:
                    path = op.path.replace("{", "<").replace("}", ">")
                    endpoint = f"api:{served.api}:{env.name}:{op.operation_id}"
                    yield Rule(env.base_path + path, endpoint=endpoint, methods=[op.method])

    def close(self) -> None:
        """Stop listening to the clock and cut short any slow-answer fault."""
        self.stopping.set()
        self.clock.unsubscribe(self.tick)

    def tick(self) -> None:
        """Deliver the webhook callbacks of every status the clock has reached (every version)."""
        due = self.inventory.take_due(self.clock.now())
        if due:
            for served in self.served.values():
                self.webhooks.deliver(served.store.notifications(due))

    # --- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (WSGI), record the exchange, then deliver due webhook callbacks."""
        request = Request(environ)
        trace = new_traceparent(request.headers.get("traceparent"))
        try:
            outcome = self._dispatch(request, trace)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            logger.exception("sandbox bug while answering %s %s", request.method, request.path)
            outcome = _Outcome(self._problem(internal_error(), "application/json+problem", trace), "unrouted")
        response = outcome.response
        response.headers["traceparent"] = trace
        if outcome.kind == "api" and not self.clock.moves_by_itself:
            # Its statuses move only when the clock is advanced: a workflow about to wait for them in
            # real time reads this and fails at once, saying what to pass (FrozenSandboxClockError).
            response.headers[FROZEN_CLOCK_HEADER] = "manual"
        self.exchanges.add(
            Exchange(
                request.method,
                request.path,
                outcome.kind,
                outcome.operation_id,
                response.status_code,
                tuple((key.lower(), value) for key, value in response.headers.items()),
                response.get_data(),
                outcome.fault,
                outcome.api,
            )
        )
        self.tick()
        return response(environ, start_response)

    def _dispatch(self, request: Request, trace: str) -> _Outcome:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as error:
            problem = method_not_allowed(list(error.valid_methods or []))
            return _Outcome(self._problem(problem, "application/json+problem", trace), "unrouted")
        except NotFound:
            return _Outcome(
                self._problem(not_found(request.path), "application/json+problem", trace), "unrouted"
            )
        kind, _, rest = str(endpoint).partition(":")
        if kind == "token":
            return self._token(request, trace)
        if kind == "admin":
            return self._admin(rest, request)
        api, env_name, operation_id = rest.split(":", 2)
        served = self.served[api]
        env = self._environments[(api, env_name)]
        return self._api(served, env, served.spec.by_id[operation_id], args, request, trace)

    # --- responses ---------------------------------------------------------------------------
    @staticmethod
    def _json(status: int, body: Any, content_type: str = "application/json") -> Response:
        return Response(json.dumps(body), status=status, content_type=content_type)

    def _problem(self, problem: Problem, content_type: str, trace: str) -> Response:
        response = self._json(problem.status, problem.body(trace), content_type)
        for name, value in problem.headers:
            response.headers[name] = value
        return response

    def _retry_after(self, fault: Fault) -> str:
        if fault.http_date:
            return http_date(self.clock.wall(self.clock.now() + fault.retry_after))
        return str(fault.retry_after)

    # --- the token endpoint ------------------------------------------------------------------
    def _token(self, request: Request, trace: str) -> _Outcome:
        """Answer a token request, and record it (failed or not) for the token-reuse report."""
        ticket = self.ledger.token_requested(_claimed_scope(request))
        fault = self.faults.take(request.method, TOKEN_PATH)
        fault_kind = fault.kind if fault is not None else None
        if fault is not None and fault.kind != "slow":
            retry_after = float(fault.retry_after) if fault.kind == "rate_limit" else None
            response = self._token_fault(fault)
            self.ledger.token_answered(ticket, response.status_code, retry_after=retry_after)
            return _Outcome(response, "token", fault=fault_kind)
        if fault is not None:
            self.stopping.wait(fault.delay)
        try:
            if request.mimetype != "application/json":
                raise OAuthError(
                    400,
                    "invalid_request",
                    "Send the token request as a JSON body (Content-Type: application/json)",
                )
            try:
                body = json.loads(request.get_data())
            except (ValueError, RecursionError) as error:
                raise OAuthError(400, "invalid_request", "The request body is not valid JSON") from error
            token, record = self.issuer.issue(body)
        except OAuthError as error:
            self.ledger.token_answered(ticket, error.status)
            return _Outcome(self._json(error.status, error.body()), "token", fault=fault_kind)
        self.ledger.token_answered(ticket, 200, token=record)
        answer = {"access_token": token, "expires_in": self.issuer.expires_in, "token_type": "Bearer"}
        response = self._json(200, answer)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return _Outcome(response, "token", fault=fault_kind)

    def _token_fault(self, fault: Fault) -> Response:
        status = fault.status or 500
        if fault.kind == "gateway_html":
            return Response(GATEWAY_HTML, status=status, content_type="text/html")
        if fault.kind == "rate_limit":
            response = self._json(
                status, {"error": "too_many_requests", "error_description": "Global limit has been reached"}
            )
            response.headers["Retry-After"] = self._retry_after(fault)
            return response
        if fault.kind == "unauthorized":
            return self._json(status, {"error": "access_denied", "error_description": "Unauthorized"})
        return self._json(status, {"error": "server_error", "error_description": "Internal Server Error"})

    # --- the API -----------------------------------------------------------------------------
    def _api(
        self,
        served: ServedApi,
        env: Environment,
        op: Operation,
        args: Mapping[str, Any],
        request: Request,
        trace: str,
    ) -> _Outcome:
        token = bearer_token(request.headers.get("Authorization"))
        issued = self.issuer.lookup(token) if token else None
        self.ledger.api_call(issued)
        fault_kind: str | None = None
        if issued is not None and (retry_after := self.rate_limit.check(issued.client_id)) is not None:
            response = self._problem(rate_limited(retry_after), op.content_type(429), trace)
            return _Outcome(response, "api", op.operation_id, "client_rate_limit", served.api)
        try:
            self._firewall(served.api, request.headers.get("User-Agent"))
            fault = self.faults.take(request.method, request.path[len(env.base_path) :] or "/")
            if fault is not None:
                fault_kind = fault.kind
                early = self._api_fault(fault, op, issued, trace)
                if early is not None:
                    return _Outcome(early, "api", op.operation_id, fault.kind, served.api)
            tenant = self._authenticate(token, issued, env)
            params = check_parameters(served.spec, op, args, request.args.to_dict(flat=False))
            body = parse_body(served.spec, op, request.headers.get("Content-Type"), request.get_data())
            reply = served.operations.handle(
                Call(op.operation_id, tenant, params, body, request.headers.get("If-Match"))
            )
        except ProblemError as error:
            if error.problem.status == 401 and issued is not None:
                self.ledger.token_rejected(issued)
            problem = dataclasses.replace(error.problem, type=served.spec.problem_type(error.problem.type))
            response = self._problem(problem, op.content_type(problem.status), trace)
            return _Outcome(response, "api", op.operation_id, fault_kind, served.api)
        if reply.body is None and not getattr(op.response(reply.status), "content", None):
            response = Response(status=reply.status)
        else:
            response = self._json(reply.status, reply.body, op.content_type(reply.status))
        for name, value in reply.headers:
            response.headers[name] = value
        return _Outcome(response, "api", op.operation_id, fault_kind, served.api)

    def _firewall(self, api: str, user_agent: str | None) -> None:
        if not user_agent:
            raise ProblemError(
                forbidden_by_firewall(f"the User-Agent header is missing; send {USER_AGENT_SYNTAX}")
            )
        if not self._user_agents[api].search(user_agent):
            raise ProblemError(
                forbidden_by_firewall(f"the User-Agent {user_agent!r} is malformed; send {USER_AGENT_SYNTAX}")
            )

    def _api_fault(
        self, fault: Fault, op: Operation, issued: IssuedToken | None, trace: str
    ) -> Response | None:
        status = fault.status or 500
        if fault.kind == "slow":
            self.stopping.wait(fault.delay)
            return None
        if fault.kind == "gateway_html":
            return Response(GATEWAY_HTML, status=status, content_type="text/html")
        if fault.kind == "unauthorized":
            if issued is not None:
                self.ledger.token_rejected(issued)
            return self._problem(unauthorized("rejected by a fault knob"), op.content_type(status), trace)
        if fault.kind == "rate_limit":
            return self._problem(rate_limited(self._retry_after(fault)), op.content_type(status), trace)
        return self._problem(internal_error(status), op.content_type(status), trace)

    def _authenticate(
        self, token: str | None, issued: IssuedToken | None, env: Environment
    ) -> tuple[str, str, str]:
        if token is None:
            raise ProblemError(unauthorized("no `Authorization: Bearer <token>` header"))
        if issued is None:
            raise ProblemError(unauthorized("this token was not issued by this sandbox"))
        if not issued.valid_at(self.clock.now()):
            raise ProblemError(unauthorized("this token has expired; fetch a new one"))
        if issued.audience != env.audience:
            raise ProblemError(
                unauthorized(
                    f"this token is for audience {issued.audience}, but {env.base_path} serves {env.audience}"
                )
            )
        return (env.name, issued.client_id, issued.intermediary_id)

    # --- admin -------------------------------------------------------------------------------
    def _admin(self, name: str, request: Request) -> _Outcome:
        try:
            body = json.loads(request.get_data() or b"{}") if request.method == "POST" else None
            if name == "report":
                return _Outcome(self._json(200, self.ledger.report().to_dict()), "admin")
            if name == "rate-limit":
                return _Outcome(self._json(200, self.rate_limit.to_dict()), "admin")
            if name == "clock":
                if request.method == "POST":
                    seconds = body.get("advance") if isinstance(body, dict) else None
                    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                        raise SandboxError('POST /_sandbox/clock takes {"advance": <seconds >= 0>}')
                    self.clock.advance(float(seconds))
                return _Outcome(
                    self._json(200, {"now": self.clock.now(), "wall": self.clock.wall().isoformat()}), "admin"
                )
            if request.method == "POST":
                fault = self.faults.add(Fault.from_dict(body))
                return _Outcome(self._json(201, fault.to_dict()), "admin")
            if request.method == "DELETE":
                self.faults.clear()
            return _Outcome(self._json(200, {"faults": [f.to_dict() for f in self.faults.active()]}), "admin")
        except (SandboxError, ValueError) as error:
            return _Outcome(self._json(400, {"error": str(error)}), "admin")


def _claimed_scope(request: Request) -> Scope | None:
    """Who a token request says it is for: (client_id, intermediary_id, audience), read leniently.

    Every token request is counted, refused ones too, under the key its body names (even a wrong
    one); None when the body names no client_id (not JSON, not an object).
    """
    try:
        body = json.loads(request.get_data())
    except (ValueError, RecursionError):
        return None
    client_id = body.get("client_id") if isinstance(body, dict) else None
    if not isinstance(client_id, str) or not client_id:
        return None
    named = [body.get(name) for name in ("intermediary_id", "audience")]
    intermediary_id, audience = (value if isinstance(value, str) else "" for value in named)
    return (client_id, intermediary_id, audience)
