"""aviv_caas_auth: AVIV-compliant authentication for the generated Classified API client.

from aviv_caas_auth import CaasCredentials, create_client
from aviv_caas_client.api.classifieds import get_classifieds

client = create_client(CaasCredentials.from_env(), environment="sandbox", user_agent="MyCRM/2.4.1")
page = get_classifieds.sync(client=client, limit=50)

``FileTokenStore`` and ``RedisTokenStore`` are imported on first use (PEP 562), so importing this
package loads neither filelock/platformdirs nor redis.
"""

import importlib
from typing import TYPE_CHECKING

from aviv_caas_auth._version import __version__
from aviv_caas_auth.auth import CaasAuth
from aviv_caas_auth.classify import error_from_response
from aviv_caas_auth.clock import Clock, ManualClock, SystemClock
from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.duplicates import find_classified_id, find_classified_id_async
from aviv_caas_auth.environments import Endpoints, Environment, endpoints_for
from aviv_caas_auth.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTransportError,
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
from aviv_caas_auth.policy import RefreshPolicy
from aviv_caas_auth.problems import (
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
from aviv_caas_auth.provider import DEFAULT_TIMEOUT, TokenProvider
from aviv_caas_auth.retry import DEFAULT_RETRY, RetryPolicy
from aviv_caas_auth.store import MEMORY_STORE, BlockingTokenStore, MemoryTokenStore, TokenStore
from aviv_caas_auth.token import AccessToken, TokenKey
from aviv_caas_auth.transport import CaasTransport
from aviv_caas_auth.unwrap import unwrap

if TYPE_CHECKING:
    from aviv_caas_auth.file_store import FileTokenStore
    from aviv_caas_auth.redis_store import RedisTokenStore as RedisTokenStore

_LAZY = {
    "FileTokenStore": "aviv_caas_auth.file_store",
    "RedisTokenStore": "aviv_caas_auth.redis_store",  # needs the [redis] extra
}


def __getattr__(name: str) -> object:
    """Import the optional stores when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "MEMORY_STORE",
    "AccessToken",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "ApiTransportError",
    "BadRequestError",
    "BlockingTokenStore",
    "CaasAuth",
    "CaasCredentials",
    "CaasError",
    "CaasTransport",
    "Clock",
    "CollidingContactsError",
    "ConfigurationError",
    "CredentialsError",
    "DuplicatedClassifiedError",
    "DuplicatedMediaError",
    "Endpoints",
    "Environment",
    "FieldError",
    "FileTokenStore",
    "ForbiddenError",
    "InsecureTransportError",
    "MalformedTokenResponseError",
    "ManualClock",
    "MemoryTokenStore",
    "NotFoundError",
    "PreconditionFailedError",
    "RateLimitedError",
    "RefreshPolicy",
    "RetryPolicy",
    "ServerError",
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
    # RedisTokenStore is importable by name but not listed: `import *` must work without redis.
    "__version__",
    "create_client",
    "endpoints_for",
    "error_from_response",
    "find_classified_id",
    "find_classified_id_async",
    "token_provider_of",
    "unwrap",
]
