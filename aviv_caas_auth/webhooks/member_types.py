"""Whether received JSON holds, member by member, the JSON types a generated model declares.

A generated ``from_dict`` takes a member as it comes: ``"message": 42`` becomes an ``int`` in a
``str`` field, and ``"portals": "SL"`` (a string is iterable) the list ``['S', 'L']``. For a body
that someone else sends to you (a status callback), :func:`type_problem` reads the model's type
hints and says which member is mistyped, by JSON pointer, before anything is built from it.

The tolerant reader's rules hold: a member the model does not declare is not judged, and an enum
member may hold any string (a value AVIV added later). Dates, UUIDs and enum values are strings
here; their format is ``from_dict``'s to check. Written here rather than with a runtime
type checker (typeguard, pydantic): those would refuse the unknown enum values the reader keeps,
and would need the JSON names, which only the generated ``from_dict`` knows (members are matched
to fields by their name without case or underscores: ``statusDate`` is ``status_date``).
"""

from __future__ import annotations

import datetime
import importlib
import math
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import attrs

_STRINGS = (str, datetime.datetime, datetime.date, UUID)
_FIELDS: dict[type[Any], dict[str, Any]] = {}
_LOCK = threading.Lock()


def type_problem(document: Mapping[str, Any], model: type[Any]) -> str | None:
    """What is mistyped in ``document`` for ``model`` (``/message must be a string, not ...``), or None."""
    return _object_problem(document, model, ())


def _where(path: tuple[str | int, ...]) -> str:
    """``path`` as a JSON pointer (messages only: the receivers import nothing more until one is made)."""
    from aviv_caas_auth.pointers import pointer

    return pointer(*path)


def _json_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else f"{value!r} (not JSON)"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def _hints(model: type[Any]) -> dict[str, Any] | None:
    """The model's type hints; the models it names only for type checkers are found in its package."""
    models = f"{model.__module__.partition('.')[0]}.models"
    names: dict[str, Any] = {}
    while True:
        try:
            return typing.get_type_hints(model, localns=names)
        except NameError as error:  # a referenced model its module imports on first use
            name = error.name
            found = getattr(importlib.import_module(models), name, None) if name else None
            if name is None or found is None or name in names:
                return None  # not a model of its package: the model is not judged
            names[name] = found


def _fields(model: type[Any]) -> dict[str, Any] | None:
    """The model's declared fields, by their name without case or underscores (None: not resolvable)."""
    found = _FIELDS.get(model)
    if found is None:
        hints = _hints(model)
        if hints is None:
            return None
        found = {
            field.name.replace("_", "").lower(): hints.get(field.name, Any)
            for field in attrs.fields(model)
            if field.init
        }
        with _LOCK:
            _FIELDS[model] = found
    return found


def _object_problem(document: Any, model: type[Any], path: tuple[str | int, ...]) -> str | None:
    if not isinstance(document, Mapping):
        return f"{_where(path) or 'the body'} must be an object, not {_json_name(document)}"
    fields = _fields(model)
    if fields is None:
        return None
    for name, value in document.items():
        hint = fields.get(str(name).replace("_", "").lower())
        if hint is not None:
            problem = _problem(value, hint, (*path, name))
            if problem is not None:
                return problem
    return None


def _problem(value: Any, hint: Any, path: tuple[str | int, ...]) -> str | None:
    """Why ``value`` (JSON) cannot be ``hint``, or None when it can."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = [option for option in typing.get_args(hint) if getattr(option, "__name__", "") != "Unset"]
        if value is None and type(None) in options:
            return None
        problems = [_problem(value, option, path) for option in options if option is not type(None)]
        if not problems or any(problem is None for problem in problems):
            return None
        return problems[0] if len(problems) == 1 else f"{_where(path)} has the wrong type ({problems[0]})"
    expected = _expected(hint, origin)
    if expected is None:
        return None  # Any, a mapping of anything, a type this check does not know: not judged
    what, accepts = expected
    if not accepts(value):
        return f"{_where(path)} must be {what}, not {_json_name(value)}"
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        for index, element in enumerate(value):
            problem = _problem(element, item, (*path, index))
            if problem is not None:
                return problem
    elif isinstance(hint, type) and attrs.has(hint):
        return _object_problem(value, hint, path)
    return None


def _expected(hint: Any, origin: Any) -> tuple[str, Callable[[Any], bool]] | None:
    """What JSON ``hint`` takes: its description and a test, or None when anything goes."""
    if origin is typing.Literal:
        if all(isinstance(option, str) for option in typing.get_args(hint)):
            return "a string", lambda v: isinstance(v, str)
        return None
    if origin is list:
        return "an array", lambda v: isinstance(v, list)
    if hint is bool:
        return "a boolean", lambda v: isinstance(v, bool)
    if hint is int:
        return "an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)
    if hint is float:
        return (
            "a number",
            lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
        )
    if isinstance(hint, type) and issubclass(hint, _STRINGS):
        return "a string", lambda v: isinstance(v, str)
    if isinstance(hint, type) and attrs.has(hint):
        return "an object", lambda v: isinstance(v, Mapping)
    return None
