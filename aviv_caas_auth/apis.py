"""The versions of AVIV's Classified API this library speaks, and the generated package of each.

AVIV runs CaaS v3 and v4 side by side; each is generated from its own pinned document
(``openapi/<api>/``) into its own package: ``aviv_caas_client`` (v3) and
``aviv_caas_client_v4`` (v4). What a version's URLs are is not written here: ``make generate``
takes each environment's base URL (also its token audience) from the document's ``servers``
and writes it into the package (``<package>/servers.py``), which :func:`base_urls` reads.

A generated package is imported only when a client of its version is made or one of its models
is met, so a v3-only program never loads v4 (and the reverse).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, get_args

from aviv_caas_auth.errors import ConfigurationError

if TYPE_CHECKING:
    import aviv_caas_client
    import aviv_caas_client_v4

    ClientV3: TypeAlias = aviv_caas_client.AuthenticatedClient | aviv_caas_client.Client
    """A client of the v3 package (for type checkers: the workflows' overloads)."""
    ClientV4: TypeAlias = aviv_caas_client_v4.AuthenticatedClient | aviv_caas_client_v4.Client
    """A client of the v4 package."""

ApiVersion = Literal["v3", "v4"]
"""A major version of AVIV's Classified API."""

DEFAULT_API: Final[ApiVersion] = "v3"
"""The version used when none is named (the first one this library supported)."""

PACKAGES: Final[Mapping[ApiVersion, str]] = MappingProxyType(
    {"v3": "aviv_caas_client", "v4": "aviv_caas_client_v4"}
)
"""The generated package of each version (``package_name_override`` of ``openapi/<api>/generator.yaml``)."""

DEFAULT_PACKAGE: Final = "aviv_caas_client"
"""The generated package of :data:`DEFAULT_API`."""


def package_of(api: str) -> str:
    """The generated package of ``api``; a ConfigurationError naming the versions for anything else."""
    package = PACKAGES.get(api)  # type: ignore[call-overload]
    if package is None:
        choices = " or ".join(repr(name) for name in get_args(ApiVersion))
        raise ConfigurationError(f"api must be {choices}, not {api!r}")
    return str(package)


def api_of_package(package: str) -> ApiVersion | None:
    """The version whose generated package is ``package`` (None for a package of no known version)."""
    return next((api for api, name in PACKAGES.items() if name == package), None)


def package_of_value(value: object) -> str:
    """The top-level package that defines ``value``'s class (``aviv_caas_client_v4`` for its models)."""
    return type(value).__module__.partition(".")[0]


@functools.cache
def generated_module(package: str, module: str) -> ModuleType:
    """``<package>.<module>`` of a generated package (e.g. ``types``), imported once."""
    return importlib.import_module(f"{package}.{module}")


def is_generated(value: object, module: str, name: str) -> bool:
    """Whether ``value`` is an instance of ``<its package>.<module>.<name>`` of a generated package.

    ``is_generated(parsed, "models", "ErrorResponse")`` recognises the problem model of v3 and v4
    alike (each version's overlay defines it), without importing a package the value did not come
    from.
    """
    cls = type(value)
    package = cls.__module__.partition(".")[0]
    if cls.__name__ != name or f"{package}.{module}" not in sys.modules:
        return False
    return getattr(generated_module(package, module), name, None) is cls


@functools.cache
def base_urls(api: str) -> Mapping[str, str]:
    """Each environment's API base URL (= its token audience) for ``api``, from its document's ``servers``."""
    package = package_of(api)
    try:
        servers = importlib.import_module(f"{package}.servers")
    except ImportError as error:
        raise ConfigurationError(
            f"the generated package {package} (CaaS {api}) is missing or predates servers.py: "
            "run `make generate` (or install a wheel built by `make dist`)"
        ) from error
    return MappingProxyType(dict(servers.BASE_URLS))
