"""The bench's table: one line per row, value, baseline, ratio and target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scripts.bench.registry import Figure, Target


@dataclass(frozen=True)
class Outcome:
    """A table line: a measured figure, or why a row has none (skipped / failed)."""

    row: str
    figure: Figure | None = None
    problem: str = ""


def format_quantity(value: float, unit: str) -> str:
    """Times at a readable scale (``s``, ``s/call``); counts as they are."""
    if unit not in ("s", "s/call"):
        return f"{value:g} {unit}"
    suffix = unit.removeprefix("s")
    for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            digits = f"{value / scale:.3g}" if value < 100 * scale else f"{value / scale:.0f}"
            return f"{digits} {name}{suffix}"
    return f"{value * 1e9:.0f} ns{suffix}"


def format_target(target: Target, figure: Figure) -> str:
    """``<= 1.03x ok`` / ``<= 80 ms MISSED`` / ``= 1 requests ok``."""
    limit = f"{target.limit:g}x" if target.of == "ratio" else format_quantity(target.limit, figure.unit)
    met = figure.meets_target
    verdict = "" if met is None else (" ok" if met else " MISSED")
    sign = "=" if target.exact else ">=" if target.at_least else "<="
    return f"{sign} {limit}{verdict}"


def table(outcomes: Sequence[Outcome]) -> str:
    """The figures as an aligned text table."""
    header = ("row", "value", "baseline", "ratio", "target", "note")
    lines: list[tuple[str, ...]] = [header]
    for outcome in outcomes:
        figure = outcome.figure
        if figure is None:
            lines.append((outcome.row, "-", "-", "-", "-", outcome.problem))
            continue
        baseline = (
            "-"
            if figure.baseline is None
            else f"{format_quantity(figure.baseline, figure.unit)} ({figure.baseline_label})"
        )
        ratio = "-" if figure.ratio is None else f"{figure.ratio:.3f}x"
        target = "-" if figure.target is None else format_target(figure.target, figure)
        lines.append(
            (figure.row, format_quantity(figure.value, figure.unit), baseline, ratio, target, figure.note)
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header) - 1)]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[-1]
        for line in lines
    ]
    rendered.insert(1, "-" * max(len(line) for line in rendered))
    return "\n".join(line.rstrip() for line in rendered)
