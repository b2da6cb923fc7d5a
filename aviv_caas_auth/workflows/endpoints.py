"""The generated package a client belongs to, and its endpoint modules, resolved by name.

Workflows never import ``aviv_caas_client`` endpoints directly: they ask the client which
generated package made it (``aviv_caas_client.client.AuthenticatedClient`` belongs to
``aviv_caas_client``) and import ``<package>.api.<tag>.<operation>`` from there. A second
generated package with the same operation names (CaaS v4 beside v3) then works with the same
workflows, unchanged. Modules are imported once per package and kept.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import typing
from types import ModuleType
from typing import Any

from aviv_caas_auth.errors import ArgumentTypeError

# The operations the workflows use: name -> the tag folder the generator puts it in.
OPERATIONS: dict[str, str] = {
    "get_classifieds": "classifieds",
    "create_classified": "classifieds",
    "get_classified": "classifieds",
    "update_classified": "classifieds",
    "delete_classified": "classifieds",
    "get_classified_statuses": "status",
}
# Operations of one version only: name -> (the version, its tag folder).
ONE_VERSION: dict[str, tuple[str, str]] = {
    "get_media": ("v3", "media"),  # the v3 -> v4 migration reads v3's media
}


class Endpoints:
    """The endpoint modules of one generated package, each imported on first use."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._modules: dict[str, ModuleType] = {}
        self._bodies: dict[str, type[Any]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Endpoints({self.package!r})"

    def module(self, operation: str) -> ModuleType:
        """The module of ``operation`` (with ``sync_detailed`` and ``asyncio_detailed``)."""
        found = self._modules.get(operation)
        if found is None:
            tag = OPERATIONS.get(operation) or ONE_VERSION.get(operation, ("", ""))[1]
            if not tag:
                known = sorted({*OPERATIONS, *ONE_VERSION})
                raise KeyError(f"no workflow uses the operation {operation!r}; known: {known}")
            found = importlib.import_module(f"{self.package}.api.{tag}.{operation}")
            with self._lock:
                self._modules[operation] = found
        return found

    def body_model(self, operation: str) -> type[Any]:
        """The model ``operation`` takes as its ``body`` (``AvivClassified`` for ``create_classified``).

        Read from the endpoint's annotations once (``typing.get_type_hints`` costs more than a
        request), then kept: every listing of a feed asks for it.
        """
        found = self._bodies.get(operation)
        if found is None:
            found = self._read_body_model(operation)
            with self._lock:
                self._bodies[operation] = found
        return found

    def _read_body_model(self, operation: str) -> type[Any]:
        module = self.module(operation)
        if not module._referenced_imported:  # the names its annotations use (they are strings)
            module._import_referenced()
        hint = typing.get_type_hints(module.sync_detailed)["body"]
        for candidate in typing.get_args(hint) or (hint,):
            if inspect.isclass(candidate) and hasattr(candidate, "from_dict"):
                return candidate
        raise TypeError(f"{self.package}.{operation} takes no model body ({hint!r})")  # pragma: no cover


_BY_PACKAGE: dict[str, Endpoints] = {}
_LOCK = threading.Lock()


def endpoints_for(package: str) -> Endpoints:
    """The (shared) :class:`Endpoints` of the generated package named ``package``."""
    with _LOCK:
        found = _BY_PACKAGE.get(package)
        if found is None:
            found = _BY_PACKAGE[package] = Endpoints(package)
        return found


def endpoints_of(client: object) -> Endpoints:
    """The endpoints of the generated package whose ``Client``/``AuthenticatedClient`` ``client`` is."""
    module = type(client).__module__
    package, _, rest = module.partition(".")
    if rest != "client" or not hasattr(client, "get_httpx_client"):
        raise ArgumentTypeError(
            f"expected a client of a generated package (e.g. from aviv_caas_auth.create_client), "
            f"not {type(client).__module__}.{type(client).__qualname__}"
        )
    return endpoints_for(package)
