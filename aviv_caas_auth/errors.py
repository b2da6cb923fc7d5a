"""The root of every exception aviv-caas raises, so callers can catch the library's errors at once."""


class CaasError(Exception):
    """Base class of all aviv-caas errors. Messages never contain a secret or an access token."""
