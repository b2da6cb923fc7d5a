"""Names a package imports on first use (PEP 562): its module ``__getattr__``, built from a table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package``: ``names[name]`` is the module defining ``name``.

    That module is imported when ``name`` is first asked for, and the value is kept in
    ``namespace`` (the package's globals), so later lookups are plain attribute reads.
    """

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from importlib import import_module  # deferred: Python's own start does not import it

        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
