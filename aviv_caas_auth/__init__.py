"""aviv_caas_auth: the hand-written, token-caching factory for the generated AVIV CaaS client."""

from aviv_caas_auth.classify import error_from_response
from aviv_caas_auth.duplicates import find_classified_id, find_classified_id_async
from aviv_caas_auth.errors import CaasError
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
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from aviv_caas_auth.unwrap import unwrap

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "BadRequestError",
    "CaasError",
    "CollidingContactsError",
    "DuplicatedClassifiedError",
    "DuplicatedMediaError",
    "FieldError",
    "ForbiddenError",
    "NotFoundError",
    "PreconditionFailedError",
    "RateLimitedError",
    "ServerError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
    "error_from_response",
    "find_classified_id",
    "find_classified_id_async",
    "unwrap",
]
