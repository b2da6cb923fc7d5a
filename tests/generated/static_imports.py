"""What a generated module imports when it is executed, read from its source (no import).

Counts imports that run at import time: module level, class bodies, both branches of ordinary
``if``/``try`` blocks, but not function bodies nor ``if TYPE_CHECKING:`` bodies. A name imported
from the lazy models package counts as the module that defines it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import aviv_caas_client

PACKAGE = "aviv_caas_client"
PACKAGE_DIR = Path(aviv_caas_client.__file__).parent
MODELS = f"{PACKAGE}.models"


def module_path(module: str) -> Path | None:
    """The source file of a module of the generated package, or None for anything else."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    parts = module.split(".")[1:]
    candidates = [PACKAGE_DIR.joinpath(*parts, "__init__.py")]
    if parts:
        candidates.append(PACKAGE_DIR.joinpath(*parts[:-1], f"{parts[-1]}.py"))
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _executed_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for statement in body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            found.append(statement)
        elif isinstance(statement, ast.If):
            if not _is_type_checking(statement.test):
                found += _executed_imports(statement.body)
            found += _executed_imports(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                found += _executed_imports(block)
            for handler in statement.handlers:
                found += _executed_imports(handler.body)
        elif isinstance(statement, ast.ClassDef):
            found += _executed_imports(statement.body)
    return found


@cache
def lazy_exports() -> dict[str, str]:
    """Exported model name -> defining module, from the models package's TYPE_CHECKING block."""
    tree = ast.parse(module_path(MODELS).read_text(encoding="utf-8"))  # type: ignore[union-attr]
    exports: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.If) and _is_type_checking(statement.test):
            for node in statement.body:
                assert isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
                for alias in node.names:
                    exports[alias.asname or alias.name] = f"{MODELS}.{node.module}"
    return exports


def _parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)}


@cache
def direct_imports(module: str) -> frozenset[str]:
    """Modules of the generated package that executing ``module`` imports directly."""
    path = module_path(module)
    assert path is not None, module
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _executed_imports(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = ".".join(part for part in (base if node.level else "", node.module or "") if part)
            targets = [source]
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if module_path(submodule) is not None:
                    targets.append(submodule)
                elif source == MODELS and alias.name in lazy_exports():
                    targets.append(lazy_exports()[alias.name])
        for target in targets:
            found |= {parent for parent in _parents(target) if module_path(parent) is not None}
    found.discard(module)
    return frozenset(found)


def imported_closure(module: str) -> set[str]:
    """``module`` and every generated module that importing it executes, transitively."""
    seen = {module} | _parents(module)
    seen = {name for name in seen if module_path(name) is not None}
    pending = list(seen)
    while pending:
        for target in direct_imports(pending.pop()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen
