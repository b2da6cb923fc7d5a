"""aviv_caas_auth: AVIV-compliant authentication for the generated Classified API client.

    from aviv_caas_auth import CaasCredentials, create_client
    from aviv_caas_client.api.classifieds import get_classifieds

    client = create_client(CaasCredentials.from_env(), environment="sandbox", user_agent="MyCRM/2.4.1")
    page = get_classifieds.sync(client=client, limit=50)

    v4 = create_client(CaasCredentials.from_env(), api="v4", environment="sandbox", user_agent="MyCRM/2.4.1")
    # -> aviv_caas_client_v4.AuthenticatedClient, for the endpoints of aviv_caas_client_v4.api

Importing this package loads nothing but its version (and reads ``AVIV_CAAS_LOG``): every name
is imported from its module on first use (PEP 562), ``create_client`` and what it needs included
(issue 21: an import costs little more than importing httpx and attrs; the first ``create_client``
pays for what it uses). Names that need an optional dependency (``FileTokenStore`` needs
filelock/platformdirs, ``RedisTokenStore`` redis, ``validate`` jsonschema) or load more machinery
(the problem errors and ``unwrap``, the workflows' results and errors, the agency sync:
``plan_sync``, ``apply_sync``, ``migrate_to_v4`` and their types, the webhook receivers) load it only
then too; the workflows themselves are modules (``from aviv_caas_auth.workflows import publish``).
Type checkers and IDEs see every name through the imports under ``TYPE_CHECKING``.
"""

from typing import TYPE_CHECKING

from aviv_caas_auth import logs as _logs
from aviv_caas_auth._version import __version__
from aviv_caas_auth.lazy import lazy_getattr as _lazy_getattr

_logs.configure_from_env()  # AVIV_CAAS_LOG=debug|info|warning|error: a stderr handler (aviv_caas_auth.logs)

if TYPE_CHECKING:
    from aviv_caas_auth.apis import ApiVersion
    from aviv_caas_auth.clock import Clock, ManualClock, SystemClock
    from aviv_caas_auth.credentials import CaasCredentials
    from aviv_caas_auth.environments import Endpoints, Environment, endpoints_for
    from aviv_caas_auth.errors import (
        ApiConnectionError,
        ApiTimeoutError,
        ApiTransportError,
        ArgumentTypeError,
        CaasError,
        ConfigurationError,
        CredentialsError,
        InsecureTransportError,
        MalformedTokenResponseError,
        TokenConnectionError,
        TokenEndpointError,
        TokenError,
        TokenRateLimitedError,
        TokenRefreshLoopError,
        TokenServerError,
        TokenTimeoutError,
    )
    from aviv_caas_auth.factory import create_client, token_provider_of
    from aviv_caas_auth.http.auth import CaasAuth
    from aviv_caas_auth.http.retry import DEFAULT_RETRY, RetryPolicy
    from aviv_caas_auth.http.transport import CaasTransport
    from aviv_caas_auth.problems.classify import error_from_response
    from aviv_caas_auth.problems.duplicates import find_classified_id, find_classified_id_async
    from aviv_caas_auth.problems.errors import (
        ApiError,
        BadRequestError,
        CollidingContactsError,
        DuplicatedClassifiedError,
        DuplicatedMediaError,
        FieldError,
        ForbiddenError,
        NotFoundError,
        PreconditionFailedError,
        RateLimitedError,
        ServerError,
        TokenRejectedError,
        UnauthorizedError,
        UnexpectedResponseError,
        ValidationError,
    )
    from aviv_caas_auth.problems.unwrap import unwrap
    from aviv_caas_auth.stores.base import MEMORY_STORE, BlockingTokenStore, MemoryTokenStore, TokenStore
    from aviv_caas_auth.stores.file_store import FileTokenStore
    from aviv_caas_auth.stores.redis_store import RedisTokenStore as RedisTokenStore
    from aviv_caas_auth.sync.apply import apply_sync, apply_sync_async
    from aviv_caas_auth.sync.errors import DuplicateListingError, FeedError, WithdrawalRefusedError
    from aviv_caas_auth.sync.guard import WithdrawalGuard
    from aviv_caas_auth.sync.migrate import Migration, migrate_to_v4, migrate_to_v4_async
    from aviv_caas_auth.sync.plan import SyncAction, SyncPlan, plan_sync, plan_sync_async
    from aviv_caas_auth.sync.render import render_plan
    from aviv_caas_auth.sync.report import ListingResult, SyncProgress, SyncReport
    from aviv_caas_auth.tokens.policy import RefreshPolicy
    from aviv_caas_auth.tokens.provider import DEFAULT_TIMEOUT, TokenProvider
    from aviv_caas_auth.tokens.token import AccessToken, TokenKey
    from aviv_caas_auth.validation import validate
    from aviv_caas_auth.validation.requests import RequestValidationError
    from aviv_caas_auth.webhooks.asgi import asgi_app
    from aviv_caas_auth.webhooks.payload import WebhookPayloadError, parse_status_callback
    from aviv_caas_auth.webhooks.wsgi import wsgi_app
    from aviv_caas_auth.workflows.errors import (
        ClassifiedProcessingError,
        FrozenSandboxClockError,
        InvalidClassifiedError,
        MediaProcessingError,
        StatusTimeoutError,
    )
    from aviv_caas_auth.workflows.media import MediaFailure
    from aviv_caas_auth.workflows.pages import ListingTimeoutError, PaginationError
    from aviv_caas_auth.workflows.polling import PollPolicy
    from aviv_caas_auth.workflows.publish import PublishResult
    from aviv_caas_auth.workflows.publish_many import Progress

_PROBLEMS = "aviv_caas_auth.problems.errors"
_SYNC_ERRORS = "aviv_caas_auth.sync.errors"
_WORKFLOW_ERRORS = "aviv_caas_auth.workflows.errors"

# Name -> the module defining it, imported when the name is first looked up.
_LAZY: dict[str, str] = {
    "ApiVersion": "aviv_caas_auth.apis",
    "Clock": "aviv_caas_auth.clock",
    "ManualClock": "aviv_caas_auth.clock",
    "SystemClock": "aviv_caas_auth.clock",
    "CaasCredentials": "aviv_caas_auth.credentials",
    "Endpoints": "aviv_caas_auth.environments",
    "Environment": "aviv_caas_auth.environments",
    "endpoints_for": "aviv_caas_auth.environments",
    "ApiConnectionError": "aviv_caas_auth.errors",
    "ApiTimeoutError": "aviv_caas_auth.errors",
    "ApiTransportError": "aviv_caas_auth.errors",
    "ArgumentTypeError": "aviv_caas_auth.errors",
    "CaasError": "aviv_caas_auth.errors",
    "ConfigurationError": "aviv_caas_auth.errors",
    "CredentialsError": "aviv_caas_auth.errors",
    "InsecureTransportError": "aviv_caas_auth.errors",
    "MalformedTokenResponseError": "aviv_caas_auth.errors",
    "TokenConnectionError": "aviv_caas_auth.errors",
    "TokenEndpointError": "aviv_caas_auth.errors",
    "TokenError": "aviv_caas_auth.errors",
    "TokenRateLimitedError": "aviv_caas_auth.errors",
    "TokenRefreshLoopError": "aviv_caas_auth.errors",
    "TokenServerError": "aviv_caas_auth.errors",
    "TokenTimeoutError": "aviv_caas_auth.errors",
    "create_client": "aviv_caas_auth.factory",
    "token_provider_of": "aviv_caas_auth.factory",
    "CaasAuth": "aviv_caas_auth.http.auth",
    "DEFAULT_RETRY": "aviv_caas_auth.http.retry",
    "RetryPolicy": "aviv_caas_auth.http.retry",
    "CaasTransport": "aviv_caas_auth.http.transport",
    "MEMORY_STORE": "aviv_caas_auth.stores.base",
    "BlockingTokenStore": "aviv_caas_auth.stores.base",
    "MemoryTokenStore": "aviv_caas_auth.stores.base",
    "TokenStore": "aviv_caas_auth.stores.base",
    "RefreshPolicy": "aviv_caas_auth.tokens.policy",
    "DEFAULT_TIMEOUT": "aviv_caas_auth.tokens.provider",
    "TokenProvider": "aviv_caas_auth.tokens.provider",
    "AccessToken": "aviv_caas_auth.tokens.token",
    "TokenKey": "aviv_caas_auth.tokens.token",
    "ApiError": _PROBLEMS,
    "BadRequestError": _PROBLEMS,
    "CollidingContactsError": _PROBLEMS,
    "DuplicatedClassifiedError": _PROBLEMS,
    "DuplicatedMediaError": _PROBLEMS,
    "FieldError": _PROBLEMS,
    "ForbiddenError": _PROBLEMS,
    "NotFoundError": _PROBLEMS,
    "PreconditionFailedError": _PROBLEMS,
    "RateLimitedError": _PROBLEMS,
    "ServerError": _PROBLEMS,
    "TokenRejectedError": _PROBLEMS,
    "UnauthorizedError": _PROBLEMS,
    "UnexpectedResponseError": _PROBLEMS,
    "ValidationError": _PROBLEMS,
    "error_from_response": "aviv_caas_auth.problems.classify",
    "unwrap": "aviv_caas_auth.problems.unwrap",
    "find_classified_id": "aviv_caas_auth.problems.duplicates",
    "find_classified_id_async": "aviv_caas_auth.problems.duplicates",
    "FileTokenStore": "aviv_caas_auth.stores.file_store",
    "RedisTokenStore": "aviv_caas_auth.stores.redis_store",  # needs the [redis] extra
    "validate": "aviv_caas_auth.validation",  # validating needs the [validation] extra
    "RequestValidationError": "aviv_caas_auth.validation.requests",
    "asgi_app": "aviv_caas_auth.webhooks.asgi",
    "WebhookPayloadError": "aviv_caas_auth.webhooks.payload",
    "parse_status_callback": "aviv_caas_auth.webhooks.payload",
    "wsgi_app": "aviv_caas_auth.webhooks.wsgi",
    "ClassifiedProcessingError": _WORKFLOW_ERRORS,
    "FrozenSandboxClockError": _WORKFLOW_ERRORS,
    "InvalidClassifiedError": _WORKFLOW_ERRORS,
    "MediaProcessingError": _WORKFLOW_ERRORS,
    "MediaFailure": "aviv_caas_auth.workflows.media",
    "StatusTimeoutError": _WORKFLOW_ERRORS,
    "PaginationError": "aviv_caas_auth.workflows.pages",
    "ListingTimeoutError": "aviv_caas_auth.workflows.pages",
    "PollPolicy": "aviv_caas_auth.workflows.polling",
    "PublishResult": "aviv_caas_auth.workflows.publish",
    "Progress": "aviv_caas_auth.workflows.publish_many",
    "apply_sync": "aviv_caas_auth.sync.apply",
    "apply_sync_async": "aviv_caas_auth.sync.apply",
    "DuplicateListingError": _SYNC_ERRORS,
    "FeedError": _SYNC_ERRORS,
    "WithdrawalRefusedError": _SYNC_ERRORS,
    "WithdrawalGuard": "aviv_caas_auth.sync.guard",
    "Migration": "aviv_caas_auth.sync.migrate",
    "migrate_to_v4": "aviv_caas_auth.sync.migrate",
    "migrate_to_v4_async": "aviv_caas_auth.sync.migrate",
    "SyncAction": "aviv_caas_auth.sync.plan",
    "SyncPlan": "aviv_caas_auth.sync.plan",
    "plan_sync": "aviv_caas_auth.sync.plan",
    "plan_sync_async": "aviv_caas_auth.sync.plan",
    "render_plan": "aviv_caas_auth.sync.render",
    "ListingResult": "aviv_caas_auth.sync.report",
    "SyncProgress": "aviv_caas_auth.sync.report",
    "SyncReport": "aviv_caas_auth.sync.report",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, so a misspelt name is a type error rather than `object`.
    __getattr__ = _lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    """The module's globals and the names imported on first use."""
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "MEMORY_STORE",
    "AccessToken",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "ApiTransportError",
    "ApiVersion",
    "ArgumentTypeError",
    "BadRequestError",
    "BlockingTokenStore",
    "CaasAuth",
    "CaasCredentials",
    "CaasError",
    "CaasTransport",
    "ClassifiedProcessingError",
    "Clock",
    "CollidingContactsError",
    "ConfigurationError",
    "CredentialsError",
    "DuplicateListingError",
    "DuplicatedClassifiedError",
    "DuplicatedMediaError",
    "Endpoints",
    "Environment",
    "FeedError",
    "FieldError",
    "FileTokenStore",
    "ForbiddenError",
    "FrozenSandboxClockError",
    "InsecureTransportError",
    "InvalidClassifiedError",
    "ListingResult",
    "ListingTimeoutError",
    "MalformedTokenResponseError",
    "ManualClock",
    "MediaFailure",
    "MediaProcessingError",
    "MemoryTokenStore",
    "Migration",
    "NotFoundError",
    "PaginationError",
    "PollPolicy",
    "PreconditionFailedError",
    "Progress",
    "PublishResult",
    "RateLimitedError",
    "RefreshPolicy",
    "RequestValidationError",
    "RetryPolicy",
    "ServerError",
    "StatusTimeoutError",
    "SyncAction",
    "SyncPlan",
    "SyncProgress",
    "SyncReport",
    "SystemClock",
    "TokenConnectionError",
    "TokenEndpointError",
    "TokenError",
    "TokenKey",
    "TokenProvider",
    "TokenRateLimitedError",
    "TokenRefreshLoopError",
    "TokenRejectedError",
    "TokenServerError",
    "TokenStore",
    "TokenTimeoutError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
    "WebhookPayloadError",
    "WithdrawalGuard",
    "WithdrawalRefusedError",
    # RedisTokenStore is importable by name but not listed: `import *` must work without redis.
    "__version__",
    "apply_sync",
    "apply_sync_async",
    "asgi_app",
    "create_client",
    "endpoints_for",
    "error_from_response",
    "find_classified_id",
    "find_classified_id_async",
    "migrate_to_v4",
    "migrate_to_v4_async",
    "parse_status_callback",
    "plan_sync",
    "plan_sync_async",
    "render_plan",
    "token_provider_of",
    "unwrap",
    "validate",
    "wsgi_app",
]
