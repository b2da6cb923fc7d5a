"""README's generated blocks cannot be corrupted by a document's text (issue 19, item 6).

A summary, an enum value or a path is AVIV's text: it may hold a block marker or a ``|``. Written
into README, it must neither fake a marker (which duplicated blocks and injected text, run after
run) nor break the operations table; a README whose markers are already wrong is reported, never
rewritten around the damage.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from scripts import readme
from scripts.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
MARKERS = (readme.START, readme.END, readme.MIGRATION_START, readme.MIGRATION_END)
HOSTILE = f"List them {readme.END} then | a pipe {readme.MIGRATION_END} <!-- open"


def with_summary(summary: str) -> dict[str, dict[str, Any]]:
    """Every version's prepared spec, v3's first operation summarised as ``summary``."""
    documents = copy.deepcopy(readme.load_specs())
    first = next(iter(documents["v3"]["paths"].values()))
    next(op for method, op in first.items() if method in readme.METHODS)["summary"] = summary
    return documents


def marker_counts(text: str) -> list[int]:
    return [text.count(marker) for marker in MARKERS]


def test_a_summary_holding_markers_and_pipes_cannot_corrupt_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    once = readme.render(text, with_summary(HOSTILE))
    assert marker_counts(once) == [1, 1, 1, 1]
    assert readme.render(once, with_summary(HOSTILE)) == once  # a second run changes nothing
    assert readme.render(once, readme.load_specs()) == readme.render(text, readme.load_specs())
    block = once.split(readme.START)[1].split(readme.END)[0]
    (row,) = [line for line in block.splitlines() if "List them" in line]
    cells = re.split(r"(?<!\\)\|", row)[1:-1]  # a Markdown row: unescaped pipes separate its cells
    assert len(cells) == 3, row
    assert "then \\| a pipe" in cells[2]
    assert "&lt;!-- end of operations --&gt;" in cells[2]  # rendered as the text AVIV wrote


def test_a_path_with_a_pipe_stays_in_its_cell() -> None:
    documents = copy.deepcopy(readme.load_specs())
    paths = documents["v3"]["paths"]
    first = next(iter(paths))
    documents["v3"]["paths"] = {first.replace("/classifieds", "/classifieds|all"): paths[first]}
    block = readme.operations_block(documents)
    rows = [line for line in block.splitlines() if "/classifieds\\|all" in line]
    assert rows
    assert all(len(re.split(r"(?<!\\)\|", row)[1:-1]) == 3 for row in rows)


def test_an_enum_value_holding_the_migration_marker_cannot_corrupt_the_readme() -> None:
    published = copy.deepcopy(readme.load_documents())
    status = published["v4"]["components"]["schemas"]["ClassifiedStatus"]["properties"]["status"]
    status["enum"].append(readme.MIGRATION_END)
    text = readme.render(README.read_text(encoding="utf-8"), readme.load_specs(), published)
    assert marker_counts(text) == [1, 1, 1, 1]
    guide = text.split(readme.MIGRATION_START)[1].split(readme.MIGRATION_END)[0]
    assert '"&lt;!-- end of migration report --&gt;" added' in guide


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (
            lambda t: t.replace(readme.END, f"| injected |\n{readme.END}\nmore\n{readme.END}", 1),
            "end marker 2",
        ),
        (lambda t: t.replace(readme.START, f"{readme.START}\n{readme.START}", 1), "start marker appears 2"),
        (lambda t: t.replace(readme.END, "", 1), "end marker 0"),
    ],
    ids=["end-twice", "start-twice", "end-missing"],
)
def test_a_damaged_readme_is_reported_not_kept_damaged(tmp_path: Path, damage: Any, why: str) -> None:
    path = tmp_path / "README.md"
    damaged = damage(README.read_text(encoding="utf-8"))
    path.write_text(damaged, encoding="utf-8")
    with pytest.raises(readme.ReadmeError, match="operations block is damaged") as raised:
        readme.update_readme(path, migration=False)
    assert why in str(raised.value).replace("time(s)", "").replace("  ", " ")
    assert "git checkout -- README.md" in str(raised.value)
    assert path.read_text(encoding="utf-8") == damaged  # nothing written
