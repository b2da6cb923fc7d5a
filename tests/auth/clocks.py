"""A test clock whose wall and monotonic readings can part ways, as real ones do."""

from __future__ import annotations

from aviv_caas_auth import ManualClock


class TwoClocks(ManualClock):
    """A ManualClock whose wall clock also moves alone.

    ``advance`` moves both (time passes); ``suspend`` moves the wall clock only (a laptop asleep, on
    a system whose monotonic clock stops meanwhile); ``set_wall_back``/``set_wall_forward`` change the
    wall clock only (an administrator or NTP correcting it).
    """

    def suspend(self, seconds: float) -> None:
        self._wall += seconds

    def set_wall_forward(self, seconds: float) -> None:
        self._wall += seconds

    def set_wall_back(self, seconds: float) -> None:
        self._wall -= seconds
