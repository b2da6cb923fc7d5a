"""What a forked child must not inherit: locks another thread may hold, refreshes and pools of its parent.

``os.fork()`` copies the whole memory of the process but only the thread that forked. A lock
another thread held at that moment stays held in the child forever; a refresh in progress has no
one left to finish it; a pooled connection is one TCP socket shared by two processes that would
interleave their requests on it. Celery prefork, multiprocessing and ``gunicorn --preload`` fork
processes that already made calls.

Objects holding such state register here; in every child forked afterwards (``os.register_at_fork``),
each one's ``after_fork_in_child()`` runs before ``fork()`` returns, in the only thread the child
has: it replaces its locks and forgets what belongs to the parent.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class ForkAware(Protocol):
    """State that ``after_fork_in_child`` makes safe to use in a forked child."""

    def after_fork_in_child(self) -> None:
        """Replace locks and drop whatever belongs to the parent (runs in the child only)."""
        ...


_REGISTERED: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def reset_in_child(state: ForkAware) -> None:
    """Call ``state.after_fork_in_child()`` in every child forked from now on, while ``state`` lives."""
    _REGISTERED.add(state)


def _after_fork_in_child() -> None:
    for state in list(_REGISTERED):
        state.after_fork_in_child()


if hasattr(os, "register_at_fork"):  # POSIX; nothing forks elsewhere
    os.register_at_fork(after_in_child=_after_fork_in_child)
