"""README: the sandbox Quickstart runs as written, the operations list matches the pinned spec, objects are
described as what they are."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale
from scripts import readme
from scripts.paths import REPO_ROOT


def code_block_after(heading: str) -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_sandbox_quickstart_runs_as_written() -> None:
    code = code_block_after("### Quickstart against the local sandbox")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    published, *listed, report = result.stdout.splitlines()
    assert re.fullmatch(r"created [0-9a-f-]{36} CREATED", published)
    assert listed == ["ref-75011-0042"]
    assert re.fullmatch(
        r"1 token request for \d+ API calls — compliant \(strict, without the 1 h refresh grace: compliant\)",
        report,
    )


def test_the_operations_block_matches_the_pinned_spec() -> None:
    assert readme.update_readme(check=True) is False, "run `python -m scripts.readme`"
    document = readme.load_spec()
    operations = sum(1 for item in document["paths"].values() for method in readme.METHODS if method in item)
    block = (REPO_ROOT / "README.md").read_text(encoding="utf-8").split(readme.START)[1].split(readme.END)[0]
    rows = re.findall(r"^\| `[a-z_]+\.[a-z_]+` \| `[A-Z]+ /", block, re.MULTILINE)
    assert len(rows) == operations
    assert f"{operations} operations in AVIV's spec {document['info']['version']}" in block


def test_a_stale_block_is_found_and_rewritten(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "README.md"  # type: ignore[operator]
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    path.write_text(
        text.replace("| `classifieds.get_classifieds`", "| `classifieds.list_them`"), encoding="utf-8"
    )
    assert readme.update_readme(path, check=True) is True
    assert readme.update_readme(path) is True
    assert path.read_text(encoding="utf-8") == text


def test_a_readme_without_the_block_is_an_error() -> None:
    with pytest.raises(readme.ReadmeError, match="no operations block"):
        readme.render("# nothing here", readme.load_spec())


def test_the_sample_bodies_are_described_as_the_dicts_they_are() -> None:
    text = " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())
    sentence = re.search(
        r"[^.]*`aviv_caas_auth\.sandbox\.samples\.paris_apartment_for_sale\(\)`[^.]*\.", text
    )
    assert sentence is not None
    assert isinstance(paris_apartment_for_sale(), dict)
    assert isinstance(living_room_picture(), dict)
    assert "dict" in sentence.group(0)
    assert "(an `AvivClassified`" not in sentence.group(0)
