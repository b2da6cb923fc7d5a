"""The Python snippets of the docs (docs/**/*.md) and of README.md, and how each one runs.

A snippet is a ```` ```python ```` fence (indented ones too, as in content tabs). The HTML comment on the
line above it, if any, says how it runs (docs/contributing.md has the table):

- ``<!-- test: output -->``: as written, and its ``print(...)  # comment`` lines print their comments;
- ``<!-- test: prelude=NAME -->``: after ``tests/docs/preludes/NAME.py`` (``aviv-v4``: ``aviv`` with v4 clients);
- ``<!-- test: continues -->``: after the page's previous snippet (and whatever that one ran after);
- ``<!-- test: pytest -->``: as a pytest file;
- nothing: as written.

A program whose snippets ``await`` runs in an event loop (compiled with top-level await allowed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from scripts.paths import REPO_ROOT

PRELUDES = Path(__file__).parent / "preludes"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_MARK = re.compile(r"<!--\s*test:\s*(?P<what>[^>]*?)\s*-->\s*$")
_HEADING = re.compile(r"^#{1,6} (.+)$", re.M)

# Runs a program (argv[1]) whose top level may `await`, with a name for its tracebacks.
RUNNER = """
import asyncio, inspect, sys
source = open(sys.argv[1], encoding="utf-8").read()
code = compile(source, sys.argv[1], "exec", flags=__import__("ast").PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
result = eval(code, namespace)
if inspect.iscoroutine(result):
    asyncio.run(result)
"""


@dataclass(frozen=True)
class Snippet:
    """One snippet: where it is, its code, how it runs, and what runs before it."""

    page: Path
    line: int
    heading: str
    code: str
    mark: str = ""
    before: tuple[Snippet, ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        """``docs/guides/errors.md:42``."""
        return f"{self.page.relative_to(REPO_ROOT)}:{self.line}"

    @property
    def prelude(self) -> str | None:
        """The prelude this snippet (or the first of its chain) names, if any."""
        first = self.before[0] if self.before else self
        match = re.fullmatch(r"prelude=([\w-]+)", first.mark)
        return match.group(1) if match else None

    @property
    def wants_output_checked(self) -> bool:
        return self.mark == "output"

    @property
    def is_pytest(self) -> bool:
        return self.mark == "pytest"

    def program(self) -> str:
        """The source that runs: the prelude, the snippets this one continues, then itself."""
        parts = []
        prelude = self.prelude
        if prelude is not None:
            name = prelude.removesuffix("-v4")
            parts.append((PRELUDES / f"{name}.py").read_text(encoding="utf-8"))
        parts += [snippet.code for snippet in self.before]
        parts.append(self.code)
        return "\n".join(parts)

    def env(self) -> dict[str, str]:
        """What the prelude reads from the environment (the API version of ``aviv-v4``)."""
        return {"DOCS_SNIPPET_API": "v4"} if self.prelude == "aviv-v4" else {}


def pages() -> list[Path]:
    """Every page whose snippets run: README.md and the docs."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def snippets_of(page: Path) -> list[Snippet]:
    """The snippets of ``page``, in order, each with what it continues."""
    text = page.read_text(encoding="utf-8")
    found: list[Snippet] = []
    for match in _FENCE.finditer(text):
        start = text.count("\n", 0, match.start())
        lines_before = text[: match.start()].rstrip("\n").splitlines()
        above = lines_before[-1].strip() if lines_before else ""
        mark = _MARK.search(above)
        what = mark.group("what") if mark else ""
        headings = _HEADING.findall(text[: match.start()])
        code = textwrap.dedent(match.group("code"))
        before: tuple[Snippet, ...] = ()
        if what == "continues":
            if not found:
                raise ValueError(f"{page}:{start + 1}: `continues`, but no snippet comes before it")
            before = (*found[-1].before, found[-1])
        found.append(Snippet(page, start + 1, headings[-1] if headings else "", code, what, before))
    return found


def all_snippets() -> list[Snippet]:
    return [snippet for page in pages() for snippet in snippets_of(page)]


def run(
    snippet: Snippet, workdir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``snippet``'s program in a fresh interpreter, in ``workdir`` (its home and cache directory too)."""
    program = workdir / "snippet.py"
    program.write_text(snippet.program(), encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AVIV_", "PYTEST_"))}
    environ.update(HOME=str(workdir), XDG_CACHE_HOME=str(workdir / "cache"), **snippet.env(), **(env or {}))
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(program)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
        env=environ,
        check=False,
    )


def assert_prints_what_its_comments_say(code: str, output: str) -> None:
    """Each ``print(...)  # <what it prints>`` of ``code`` printed that line, in order.

    In a comment, ``<uuid>`` stands for a UUID and ``...`` for anything; every other character,
    figures included, must be printed as written (so the comments cannot drift from the code).
    """
    comments = [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.strip().startswith("print(") and "#" in line
    ]
    printed = output.splitlines()
    assert len(printed) == len(comments), (comments, printed)
    for comment, line in zip(comments, printed, strict=True):
        pattern = re.escape(comment).replace(re.escape("<uuid>"), "[0-9a-f-]{36}")
        assert re.fullmatch(pattern.replace(re.escape("..."), ".*"), line), (comment, line)
