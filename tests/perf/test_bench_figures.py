"""The bench's arithmetic: paired ratios, exact targets and how they are printed (no timing)."""

from __future__ import annotations

import pytest

from scripts.bench.registry import Figure, Target
from scripts.bench.report import Outcome, table
from scripts.bench.timing import Timings


def test_paired_ratio_is_the_median_of_per_round_ratios() -> None:
    # Round 2 ran under load for both contenders: the ratio of medians would say 1.5x, pairs 1.1x.
    timings = Timings({"candidate": [1.1, 3.3, 1.1], "raw": [1.0, 3.0, 1.0], "other": [2.0, 2.0, 2.0]})
    assert timings.ratio("candidate", "raw") == pytest.approx(1.1)
    figure = timings.figure("row", "candidate", "raw", note="")
    assert (figure.value, figure.baseline, figure.unit) == (1.1, 1.0, "s/call")
    assert figure.ratio == pytest.approx(1.1)


def test_paired_ratio_needs_aligned_rounds() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        Timings({"a": [1.0, 2.0], "b": [1.0]}).ratio("a", "b")


@pytest.mark.parametrize(("requests", "met"), [(0, False), (1, True), (2, False)])
def test_an_exact_target_is_met_only_by_that_count(requests: int, met: bool) -> None:
    figure = Figure("cold.x.token_requests", requests, "requests", target=Target(1, exact=True))
    assert figure.meets_target is met
    line = table([Outcome(figure.row, figure)]).splitlines()[-1]
    assert f"= 1 requests {'ok' if met else 'MISSED'}" in line


def test_an_upper_target_is_met_at_or_below_its_limit() -> None:
    at_limit = Figure(
        "call", 1.03, "s/call", baseline=1.0, target=Target(1.03, of="ratio"), paired_ratio=1.03
    )
    above = Figure("call", 1.0, "s/call", baseline=1.0, target=Target(1.03, of="ratio"), paired_ratio=1.04)
    assert at_limit.meets_target is True
    assert above.meets_target is False
    assert "<= 1.03x MISSED" in table([Outcome("call", above)])
