"""A sync plan as a readable diff: what a reviewer checks before pressing go (the dry run).

    print(render_plan(plan))

    + create  REF-0201
    ~ update  REF-0007  9f3c...
        /data/prices/buy/price/amount: 845000 -> 799000
    - withdraw REF-0150  1b2e...
    = 190 unchanged

Creates, updates and withdrawals are listed one per line (an update with each changed JSON
pointer, AVIV's value then the feed's, shortened to ``width`` characters); unchanged and kept
listings are counted, not listed, unless ``verbose``. The last line is the plan's summary.
"""

from __future__ import annotations

import json
from typing import Any

from aviv_caas_auth.sync.compare import MISSING, normalised, resolve
from aviv_caas_auth.sync.plan import ActionKind, SyncAction, SyncPlan
from aviv_caas_auth.sync.shape import Shape

MARKS = {"create": "+", "update": "~", "withdraw": "-", "unchanged": "=", "kept": "."}


def _value(value: Any, width: int) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def render_action(action: SyncAction, *, shape: Shape | None = None, width: int = 60) -> list[str]:
    """The lines of one action."""
    named = (
        f"{action.offerer_estate_id}  {action.classified_id}"
        if action.classified_id
        else action.offerer_estate_id
    )
    lines = [f"{MARKS[action.kind]} {action.kind:<9} {named}"]
    if action.kind == "update":
        desired = normalised(action.desired, shape, prune=False)
        for pointer in action.changes:
            before = _value(resolve(action.current, pointer), width)
            after = _value(resolve(desired, pointer), width)
            lines.append(f"    {pointer or '/'}: {before} -> {after}")
    return lines


def render_plan(plan: SyncPlan, *, shape: Shape | None = None, verbose: bool = False, width: int = 60) -> str:
    """The plan as text (see the module's docstring); ``shape`` normalises sets as the plan compared them."""
    lines: list[str] = []
    for action in plan.actions:
        if verbose or action.sends:
            lines.extend(render_action(action, shape=shape, width=width))
    counts = plan.counts
    if not verbose:
        quiet: tuple[ActionKind, ...] = ("unchanged", "kept")
        for kind in quiet:
            if counts[kind]:
                lines.append(f"{MARKS[kind]} {counts[kind]} {kind}")
    lines.append(plan.summary())
    return "\n".join(lines)
