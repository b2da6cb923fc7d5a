"""Build-time code of the docs site (``make docs``; mkdocs.yml names this file twice).

- A MkDocs hook: ``on_files`` writes the reference pages of every generated package (one per API
  version of ``openapi/``, never committed): ``reference/<package>/index.md`` (the client, its
  types, errors and servers, rendered by mkdocstrings), ``api.md`` (every endpoint module found in
  the package, so a new operation is documented by the next build) and ``models.md`` (an index of
  every model and enum with its fields or values, read from the package's source with :mod:`ast`).
  The models are indexed rather than rendered one mkdocstrings block each: the two packages hold
  ~850 model modules, and rendering them costs more than the rest of the site (docs/contributing.md).
- A griffe extension, :class:`SphinxRoles`: the docstrings' Sphinx roles (``:class:`X```) are
  shown as code (``X``) instead of verbatim, and a parameter whose type the generator wrapped over
  two lines (``body (list[A | B |`` / ``C]):``) is joined back, so its Google-style ``Args:`` parse.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from scripts.paths import GENERATED_ROOT, ApiPaths, api_versions

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`~?([^`]+)`")
_ARG_ITEM = re.compile(r"^\s+\w+ \(")
_ENDPOINT_FUNCTIONS = ("sync_detailed", "sync", "asyncio_detailed", "asyncio")
_SKIPPED_FIELDS = {"additional_properties"}


def _join_wrapped_types(text: str) -> str:
    """Join an ``Args:`` item whose ``name (type`` the generator's line wrapping split."""
    lines = text.split("\n")
    joined: list[str] = []
    while lines:
        line = lines.pop(0)
        if _ARG_ITEM.match(line):
            while line.count("(") > line.count(")") and lines:
                line = f"{line} {lines.pop(0).strip()}"
        joined.append(line)
    return "\n".join(joined)


class SphinxRoles(griffe.Extension):
    """Make the docstrings Markdown: Sphinx roles as code spans, wrapped parameter types joined."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads."""
        if obj.docstring is not None:
            text = _ROLE.sub(lambda match: f"`{match.group(1)}`", obj.docstring.value)
            obj.docstring.value = _join_wrapped_types(text)


@dataclass(frozen=True)
class Package:
    """One generated package, as the reference pages describe it."""

    api: str
    name: str
    root: Path

    @property
    def spec_version(self) -> str:
        """The version of AVIV's document the package was generated from."""
        document = json.loads((self.root / "openapi.json").read_text(encoding="utf-8"))
        return str(document.get("info", {}).get("version", "?"))

    @property
    def title(self) -> str:
        """``aviv_caas_client (CaaS v3, spec 3.1.3)``."""
        return f"`{self.name}` (CaaS {self.api}, spec {self.spec_version})"


def packages(generated: Path = GENERATED_ROOT) -> list[Package]:
    """Every API version's generated package (``make install`` writes them)."""
    found = []
    for api in api_versions():
        name = ApiPaths(api).package_name
        root = generated / name
        if not (root / "__init__.py").is_file():
            raise FileNotFoundError(f"{root} is missing: run `make install` (it generates every client)")
        found.append(Package(api, name, root))
    return found


def client_page(package: Package) -> str:
    """The package's client, response types, errors and servers."""
    blocks = "\n\n".join(
        f"::: {package.name}.{module}" for module in ("client", "types", "errors", "servers")
    )
    return (
        f"# {package.title}\n\n"
        f"Generated from AVIV's CaaS {package.api} document by openapi-python-client (never edited by "
        f'hand). `create_client(..., api="{package.api}")` returns its `AuthenticatedClient`, wired with '
        "the token flow; its endpoints are listed under [Endpoints](api.md) and its models under "
        "[Models](models.md).\n\n"
        f"{blocks}\n"
    )


def endpoint_modules(package: Package) -> Iterator[tuple[str, list[str]]]:
    """``(tag, [module, ...])`` for every tag folder of the package's ``api``, sorted."""
    for tag in sorted(path for path in (package.root / "api").iterdir() if (path / "__init__.py").is_file()):
        modules = sorted(path.stem for path in tag.glob("*.py") if path.stem != "__init__")
        if modules:
            yield tag.name, modules


def endpoints_page(package: Package) -> str:
    """Every endpoint module of the package, one mkdocstrings block each, grouped by tag."""
    members = "".join(f"\n        - {name}" for name in _ENDPOINT_FUNCTIONS)
    parts = [
        f"# Endpoints of {package.title}\n",
        "One module per operation (the [operations list](../operations.md) gives each one's method and "
        "path). `sync_detailed`/`asyncio_detailed` return a `Response` whose `parsed` is the success model, "
        "an `ErrorResponse` or an `UnexpectedResponse`; `sync`/`asyncio` return `parsed` alone. "
        "[`unwrap`](../aviv_caas_auth.md) turns a `Response` into the success model or a typed error.\n",
    ]
    for tag, modules in endpoint_modules(package):
        parts.append(f"## `{tag}`\n")
        for module in modules:
            parts.append(
                f"::: {package.name}.api.{tag}.{module}\n"
                f"    options:\n      heading_level: 3\n      show_root_full_path: false\n"
                f"      members:{members}\n"
            )
    return "\n".join(parts)


@dataclass(frozen=True)
class Model:
    """A model class (its fields) or an enum (its values), read from the package's source."""

    name: str
    module: str
    fields: tuple[tuple[str, str], ...] = ()
    values: tuple[str, ...] = ()
    description: str = ""


def _model_names(package: Package) -> list[tuple[str, str]]:
    """``(module, name)`` of every model ``models/__init__.py`` declares (under ``TYPE_CHECKING``)."""
    tree = ast.parse((package.root / "models" / "__init__.py").read_text(encoding="utf-8"))
    return sorted(
        (node.module, alias.asname or alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 1
        for alias in node.names
    )


def _description(docstring: str | None) -> str:
    text = (docstring or "").split("Attributes:")[0]
    return " ".join(text.split())


def read_model(package: Package, module: str, name: str) -> Model:
    """The model or enum ``name`` of ``models/<module>.py``."""
    tree = ast.parse((package.root / "models" / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            fields = tuple(
                (item.target.id, ast.unparse(item.annotation))
                for item in node.body
                if isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and item.target.id not in _SKIPPED_FIELDS
            )
            return Model(name, module, fields=fields, description=_description(ast.get_docstring(node)))
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
            and isinstance(node.value, ast.Subscript)
        ):
            values = tuple(
                str(item.value)
                for item in ast.walk(node.value.slice)
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )
            return Model(name, module, values=values)
    raise LookupError(f"{package.name}.models.{module} defines no {name}")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def _linked_type(annotation: str, names: set[str]) -> str:
    """A field's type as Markdown, each model or enum of the page a link to its row."""
    parts = re.split(r"([A-Za-z_][A-Za-z0-9_.]*)", annotation)
    return "".join(
        f"[{part}](#{part})" if part in names else _cell(part).replace("*", "\\*") for part in parts
    )


def models_page(package: Package) -> str:
    """The index of every model (fields and their types) and enum (values) of the package."""
    models = [read_model(package, module, name) for module, name in _model_names(package)]
    names = {model.name for model in models}
    classes = [model for model in models if not model.values]
    enums = [model for model in models if model.values]
    lines = [
        f"# Models of {package.title}\n",
        f"{len(classes)} models and {len(enums)} enums, importable from `{package.name}.models` (lazily: "
        "a model's module is imported on first use). A model is an attrs class with `from_dict` and "
        "`to_dict`; members AVIV adds later are kept in `additional_properties`. An enum is a `Literal` of "
        "its values: a value received that this client does not know is kept as an `UnknownEnumValue`, a "
        "value sent is checked. Types link to their rows.\n",
        "## Models\n",
        "| model | fields |",
        "| --- | --- |",
    ]
    for model in classes:
        fields = "<br>".join(f"`{field}`: {_linked_type(kind, names)}" for field, kind in model.fields)
        description = f"{_cell(model.description)}<br>" if model.description else ""
        lines.append(f'| <span id="{model.name}"></span>`{model.name}` | {description}{fields or "—"} |')
    lines += ["", "## Enums\n", "| enum | values |", "| --- | --- |"]
    for model in enums:
        values = ", ".join(f"`{value}`" for value in model.values)
        lines.append(f'| <span id="{model.name}"></span>`{model.name}` | {values} |')
    return "\n".join(lines) + "\n"


PAGES = {"index.md": client_page, "api.md": endpoints_page, "models.md": models_page}


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """MkDocs hook: add the generated packages' reference pages."""
    for package in packages():
        for page, render in PAGES.items():
            files.append(File.generated(config, f"reference/{package.name}/{page}", content=render(package)))
    return files
