"""What ``aviv-caas`` prints: text (rich), or one JSON document with ``--json``; errors as one line.

Results go to stdout, errors and the progress bar to stderr. An error is one line, ``error: ...``
(the library's messages name what is wrong and never a secret or a token), never a traceback.
The progress bar shows only on a terminal, and never with ``--json``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Output:
    """Where a command writes (``json``: one JSON document on stdout)."""

    def __init__(self, *, json_output: bool) -> None:
        self.json = json_output
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def text(self, line: str = "") -> None:
        """A line of text output (nothing with ``--json``)."""
        if not self.json:
            self.out.print(line, markup=False)

    def document(self, value: Any) -> None:
        """The JSON output (nothing without ``--json``)."""
        if self.json:
            sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()

    def error(self, message: str) -> None:
        """One line on stderr."""
        self.err.print(f"error: {' '.join(message.split())}", markup=False)

    @contextlib.contextmanager
    def progress(self, what: str, total: int) -> Iterator[Callable[[Any], None]]:
        """A progress bar of ``total`` steps on a terminal; yields the callback advancing it."""
        if self.json or total == 0 or not self.err.is_terminal:
            yield lambda _step: None
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.err, transient=True) as bar:
            task = bar.add_task(what, total=total)
            yield lambda _step: bar.advance(task)
