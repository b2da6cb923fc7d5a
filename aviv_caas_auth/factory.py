"""create_client: the generated AuthenticatedClient of CaaS v3 or v4, wired with AVIV's token rules."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

import httpx

from aviv_caas_auth._version import __version__
from aviv_caas_auth.apis import DEFAULT_API, ApiVersion, generated_module, package_of
from aviv_caas_auth.clock import Clock
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.environments import Environment, endpoints_for
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.http import budgeting
from aviv_caas_auth.http.auth import CaasAuth
from aviv_caas_auth.http.retry import DEFAULT_RETRY, RetryPolicy
from aviv_caas_auth.http.security import require_secure_url
from aviv_caas_auth.http.timeouts import checked_timeout
from aviv_caas_auth.http.transport import CONNECTION_OPTIONS, transport_stack
from aviv_caas_auth.http.user_agent import resolve_user_agent
from aviv_caas_auth.stores.base import TokenStore
from aviv_caas_auth.tokens.policy import RefreshPolicy
from aviv_caas_auth.tokens.provider import DEFAULT_TIMEOUT, TokenProvider

if TYPE_CHECKING:
    import aviv_caas_client
    import aviv_caas_client_v4
    from aviv_caas_auth.budget.protocol import RateBudget

    AnyClient = aviv_caas_client.AuthenticatedClient | aviv_caas_client_v4.AuthenticatedClient

# The generated client insists on a token string; the real one is set per request by CaasAuth.
_PLACEHOLDER_TOKEN = "managed-by-aviv-caas-auth"  # noqa: S105 - not a secret


@overload
def create_client(
    credentials: CaasCredentials,
    *,
    user_agent: str,
    api: Literal["v3"] = ...,
    environment: Environment = ...,
    timeout: httpx.Timeout | float | None = ...,
    retry: RetryPolicy | None = ...,
    token_store: TokenStore | None = ...,
    base_url: str | None = ...,
    token_url: str | None = ...,
    headers: Mapping[str, str] | None = ...,
    httpx_args: Mapping[str, Any] | None = ...,
    verify_ssl: str | bool | ssl.SSLContext = ...,
    follow_redirects: bool = ...,
    raise_on_unexpected_status: bool = ...,
    clock: Clock | None = ...,
    refresh_policy: RefreshPolicy | None = ...,
    token_provider: TokenProvider | None = ...,
    validate_requests: bool = ...,
    rate_budget: RateBudget | None = ...,
) -> aviv_caas_client.AuthenticatedClient: ...


@overload
def create_client(
    credentials: CaasCredentials,
    *,
    user_agent: str,
    api: Literal["v4"],
    environment: Environment = ...,
    timeout: httpx.Timeout | float | None = ...,
    retry: RetryPolicy | None = ...,
    token_store: TokenStore | None = ...,
    base_url: str | None = ...,
    token_url: str | None = ...,
    headers: Mapping[str, str] | None = ...,
    httpx_args: Mapping[str, Any] | None = ...,
    verify_ssl: str | bool | ssl.SSLContext = ...,
    follow_redirects: bool = ...,
    raise_on_unexpected_status: bool = ...,
    clock: Clock | None = ...,
    refresh_policy: RefreshPolicy | None = ...,
    token_provider: TokenProvider | None = ...,
    validate_requests: bool = ...,
    rate_budget: RateBudget | None = ...,
) -> aviv_caas_client_v4.AuthenticatedClient: ...


def create_client(
    credentials: CaasCredentials,
    *,
    user_agent: str,
    api: ApiVersion = DEFAULT_API,
    environment: Environment = "production",
    timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = DEFAULT_RETRY,
    token_store: TokenStore | None = None,
    base_url: str | None = None,
    token_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    httpx_args: Mapping[str, Any] | None = None,
    verify_ssl: str | bool | ssl.SSLContext = True,
    follow_redirects: bool = False,
    raise_on_unexpected_status: bool = False,
    clock: Clock | None = None,
    refresh_policy: RefreshPolicy | None = None,
    token_provider: TokenProvider | None = None,
    validate_requests: bool = False,
    rate_budget: RateBudget | None = None,
) -> AnyClient:
    """The generated ``AuthenticatedClient`` for AVIV's Classified API, usable with every endpoint function.

    ``api`` picks the version: ``"v3"`` (the default) gives ``aviv_caas_client.AuthenticatedClient``,
    ``"v4"`` gives ``aviv_caas_client_v4.AuthenticatedClient`` (type checkers know which). ``api``
    and ``environment`` ("production" or "sandbox") set the token audience and the API base URL
    together, as AVIV's pinned document of that version gives them (e.g.
    ``https://api.aviv-group.com/sandbox/caas/v4``); a v3 and a v4 client with the same
    credentials use two tokens, each cached and reused for its lifetime.
    ``base_url`` and ``token_url`` only redirect traffic (tests, proxies). ``user_agent`` is your
    product, e.g. ``"MyCRM/2.4.1"`` (completed to AVIV's three-part form), or a full compliant value.
    Tokens are cached in ``token_store`` (default: this process's memory) and shared by every client
    with the same credentials; pass ``token_provider`` to share one explicitly. ``httpx_args`` go to
    ``httpx.Client``/``httpx.AsyncClient`` (a ``transport`` there also carries token requests).

    Every request goes through a :class:`~aviv_caas_auth.http.transport.CaasTransport`: a fresh W3C
    ``traceparent`` unless you pass one, retries by ``retry`` (``None``: none; see
    :class:`~aviv_caas_auth.http.retry.RetryPolicy`), and typed errors instead of httpx's exceptions.
    Token requests go through the same policy, which only repeats a POST that never left.

    ``validate_requests=True`` checks every JSON request body against AVIV's spec before anything is
    sent (a token request included) and raises
    :class:`~aviv_caas_auth.validation.requests.RequestValidationError` (a ``ValidationError``)
    instead of sending it; it needs the ``validation`` extra.

    ``rate_budget`` (:mod:`aviv_caas_auth.budget`: ``MemoryRateBudget``, ``RedisRateBudget``) is
    AVIV's request rate of this client id, shared with every client, process and host that uses the
    same budget: each API request attempt first waits for room in it (at most its ``max_wait``, then
    ``RateBudgetTimeoutError``, unsent), and a 429 pauses them all for its ``Retry-After``. Token
    requests do not spend it. Default: no budget, nothing waits.
    """
    _check_types(
        timeout=timeout,
        token_store=token_store,
        base_url=base_url,
        token_url=token_url,
        headers=headers,
        httpx_args=httpx_args,
        verify_ssl=verify_ssl,
        follow_redirects=follow_redirects,
        raise_on_unexpected_status=raise_on_unexpected_status,
        clock=clock,
        refresh_policy=refresh_policy,
        token_provider=token_provider,
        validate_requests=validate_requests,
    )
    timeout = checked_timeout(timeout)
    package = package_of(api)
    endpoints = endpoints_for(environment, api=api, base_url=base_url, token_url=token_url)
    require_secure_url(endpoints.base_url, what="base_url")
    extra_headers = dict(headers or {})
    for name in extra_headers:
        if name.lower() in {"user-agent", "authorization"}:
            raise ConfigurationError(
                f"headers must not set {name!r}: pass user_agent=... ; the Authorization header is managed"
            )
    args = dict(httpx_args or {})
    if "auth" in args:
        raise ConfigurationError("httpx_args must not set 'auth': create_client manages authentication")
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ConfigurationError(
            f"retry must be a RetryPolicy (or None for no retries), not {type(retry).__name__}"
        )
    if rate_budget is not None:
        rate_budget = budgeting.checked(rate_budget, "rate_budget")
    check = _request_validator(package, endpoints.base_url) if validate_requests else None
    # The transport carries the connection options (httpx ignores them next to a transport).
    transport, mounts = args.pop("transport", None), args.pop("mounts", None)
    connection = {"verify": verify_ssl, **{k: v for k, v in args.items() if k in CONNECTION_OPTIONS}}
    args.pop("proxy", None)
    stack = {"retry": retry, "transport": transport, "mounts": mounts, "connection": connection}
    if token_provider is None:
        token_provider = TokenProvider(
            credentials,
            user_agent=user_agent,
            environment=environment,
            api=api,
            token_url=token_url,
            token_store=token_store,
            clock=clock,
            refresh_policy=refresh_policy,
            timeout=timeout,
            httpx_args=transport_stack(**stack, trace=False, typed_errors=False),
        )
    else:
        resolve_user_agent(user_agent, tool_version=__version__)  # refused here too, if it is unusable
        if token_provider.key.audience != endpoints.audience:
            raise ConfigurationError(
                f"token_provider is for audience {token_provider.key.audience}, not {endpoints.audience}"
            )
    client_class: type[AnyClient] = generated_module(package, "client").AuthenticatedClient
    return client_class(
        base_url=endpoints.base_url,
        token=_PLACEHOLDER_TOKEN,
        headers={**extra_headers, "User-Agent": token_provider.user_agent},
        timeout=timeout,
        verify_ssl=verify_ssl,
        follow_redirects=follow_redirects,
        raise_on_unexpected_status=raise_on_unexpected_status,
        httpx_args={
            **args,
            **transport_stack(
                **stack,
                trace=True,
                typed_errors=True,
                budget=rate_budget,
                client_id=token_provider.key.client_id,
            ),
            "auth": CaasAuth(token_provider, check=check),
        },
    )


_BOOLEANS = ("follow_redirects", "raise_on_unexpected_status", "validate_requests")


def _check_types(**settings: Any) -> None:
    """Refuse, naming it, a ``create_client`` argument of the wrong type (values are not echoed: secrets)."""
    for name in _BOOLEANS:
        if not isinstance(settings[name], bool):
            _wrong(name, settings[name], "True or False")
    checks: dict[str, tuple[Any, str]] = {
        "token_store": (TokenStore, "a TokenStore (MemoryTokenStore(), FileTokenStore(), ...)"),
        "base_url": (str, "a URL (a str)"),
        "token_url": (str, "a URL (a str)"),
        "headers": (Mapping, "a mapping of header names to str values"),
        "httpx_args": (Mapping, "a mapping of httpx.Client arguments"),
        "refresh_policy": (RefreshPolicy, "a RefreshPolicy"),
        "token_provider": (TokenProvider, "a TokenProvider"),
    }
    for name, (kind, what) in checks.items():
        value = settings[name]
        if value is not None and not isinstance(value, kind):
            _wrong(name, value, f"{what}, or None")
    for header, value in (settings["headers"] or {}).items():
        if not isinstance(header, str) or not isinstance(value, str):
            _wrong(f"headers[{header!r}]", value, "a str (and its name too)")
    verify = settings["verify_ssl"]
    if isinstance(verify, str):
        if not os.path.exists(verify):
            raise ConfigurationError(
                f"verify_ssl={verify!r} is neither a CA bundle file nor a directory of CA certificates; "
                "pass True (the default), False, an ssl.SSLContext, or the path of a CA bundle"
            )
    elif not isinstance(verify, bool | ssl.SSLContext):
        _wrong("verify_ssl", verify, "True, False, an ssl.SSLContext or the path of a CA bundle (a str)")
    clock = settings["clock"]
    if clock is not None:
        if isinstance(clock, type):
            name = clock.__name__
            raise ConfigurationError(f"clock must be a Clock instance, not the class {name}: pass {name}()")
        if not (callable(getattr(clock, "monotonic", None)) and callable(getattr(clock, "time", None))):
            _wrong("clock", clock, "a Clock (with monotonic() and time(), e.g. ManualClock()), or None")


def _wrong(name: str, value: object, what: str) -> NoReturn:
    raise ConfigurationError(f"{name} must be {what}, not {type(value).__name__}")


def _request_validator(package: str, base_url: str) -> Callable[[httpx.Request], None]:
    """The spec check of ``validate_requests=True``: run by CaasAuth before it takes a token."""
    from aviv_caas_auth.validation.requests import RequestValidator
    from aviv_caas_auth.validation.schemas import require_jsonschema

    require_jsonschema()  # fail here, naming the extra, rather than on the first request
    return RequestValidator(package, base_url=base_url).check


def token_provider_of(client: AnyClient) -> TokenProvider:
    """The TokenProvider behind a client made by ``create_client`` (to get its token elsewhere)."""
    auth = getattr(client, "_httpx_args", {}).get("auth")
    if not isinstance(auth, CaasAuth):
        raise TypeError("this client was not made by aviv_caas_auth.create_client")
    return auth.provider
