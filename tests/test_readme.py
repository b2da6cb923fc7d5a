"""What the README says about the package's objects matches what they are (issue 12, point 10)."""

from __future__ import annotations

import re
from pathlib import Path

from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_sample_bodies_are_described_as_the_dicts_they_are() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    sentence = re.search(
        r"[^.]*`aviv_caas_auth\.sandbox\.samples\.paris_apartment_for_sale\(\)`[^.]*\.", text
    )
    assert sentence is not None
    assert isinstance(paris_apartment_for_sale(), dict)
    assert isinstance(living_room_picture(), dict)
    assert "dict" in sentence.group(0)
    assert "(an `AvivClassified`" not in sentence.group(0)
