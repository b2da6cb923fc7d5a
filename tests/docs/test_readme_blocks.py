"""The docs' generated blocks cannot be corrupted by a document's text (issue 19, item 6).

A summary, an enum value or a path is AVIV's text: it may hold a block marker or a ``|``. Written
into a page, it must neither fake a marker (which duplicated blocks and injected text, run after
run) nor break the operations table; a page whose markers are already wrong is reported, never
rewritten around the damage. (The blocks were in README.md when the issue was filed; they live in
docs pages now, written by the same :func:`scripts.readme.replace_block`.)
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import readme
from scripts.paths import REPO_ROOT

DOCS = REPO_ROOT / "docs"
MARKERS = (readme.START, readme.END, readme.MIGRATION_START, readme.MIGRATION_END)
HOSTILE = f"List them {readme.END} then | a pipe {readme.MIGRATION_END} <!-- open"


def copy_docs(tmp_path: Path) -> Path:
    """The pages holding generated blocks, copied under ``tmp_path``."""
    for page in (readme.OPERATIONS_PAGE, readme.MIGRATION_PAGE):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text((DOCS / page).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def with_summary(summary: str) -> dict[str, dict[str, Any]]:
    """Every version's prepared spec, v3's first operation summarised as ``summary``."""
    documents = copy.deepcopy(readme.load_specs())
    first = next(iter(documents["v3"]["paths"].values()))
    next(op for method, op in first.items() if method in readme.METHODS)["summary"] = summary
    return documents


def marker_counts(docs: Path) -> list[int]:
    text = "".join(
        (docs / page).read_text(encoding="utf-8") for page in (readme.OPERATIONS_PAGE, readme.MIGRATION_PAGE)
    )
    return [text.count(marker) for marker in MARKERS]


def cells(row: str) -> list[str]:
    """A Markdown table row's cells: unescaped pipes separate them."""
    return re.split(r"(?<!\\)\|", row)[1:-1]


def test_a_summary_holding_markers_and_pipes_cannot_corrupt_a_page(tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    assert readme.update_docs(docs, with_summary(HOSTILE), migration=False) == [docs / readme.OPERATIONS_PAGE]
    assert marker_counts(docs) == [1, 1, 1, 1]
    once = (docs / readme.OPERATIONS_PAGE).read_text(encoding="utf-8")
    assert (
        readme.update_docs(docs, with_summary(HOSTILE), migration=False) == []
    )  # a second run changes nothing
    readme.update_docs(docs, migration=False)  # and the document's own text comes back as it was
    assert (docs / readme.OPERATIONS_PAGE).read_text(encoding="utf-8") == (
        DOCS / readme.OPERATIONS_PAGE
    ).read_text(encoding="utf-8")
    (row,) = [line for line in once.splitlines() if "List them" in line]
    assert len(cells(row)) == 3, row
    assert "then \\| a pipe" in cells(row)[2]
    assert "&lt;!-- end of operations --&gt;" in cells(row)[2]  # rendered as the text AVIV wrote


def test_a_path_with_a_pipe_stays_in_its_cell() -> None:
    documents = copy.deepcopy(readme.load_specs())
    paths = documents["v3"]["paths"]
    first = next(iter(paths))
    documents["v3"]["paths"] = {first.replace("/classifieds", "/classifieds|all"): paths[first]}
    rows = [line for line in readme.operations_block(documents).splitlines() if "/classifieds\\|all" in line]
    assert rows
    assert all(len(cells(row)) == 3 for row in rows)


def test_an_enum_value_holding_the_migration_marker_cannot_corrupt_a_page(tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    published = copy.deepcopy(readme.load_documents())
    status = published["v4"]["components"]["schemas"]["ClassifiedStatus"]["properties"]["status"]
    status["enum"].append(readme.MIGRATION_END)
    readme.update_docs(docs, published=published)
    assert marker_counts(docs) == [1, 1, 1, 1]
    page = (docs / readme.MIGRATION_PAGE).read_text(encoding="utf-8")
    guide = page.split(readme.MIGRATION_START)[1].split(readme.MIGRATION_END)[0]
    assert '"&lt;!-- end of migration report --&gt;" added' in guide


Damage = Callable[[str], str]


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
def test_a_damaged_page_is_reported_not_kept_damaged(tmp_path: Path, damage: Damage, why: str) -> None:
    docs = copy_docs(tmp_path)
    page = docs / readme.OPERATIONS_PAGE
    damaged = damage(page.read_text(encoding="utf-8"))
    page.write_text(damaged, encoding="utf-8")
    with pytest.raises(readme.ReadmeError, match="operations block is damaged") as raised:
        readme.update_docs(docs, migration=False)
    assert why in str(raised.value).replace(" time(s)", "")
    assert "git checkout -- " in str(raised.value)
    assert page.read_text(encoding="utf-8") == damaged  # nothing written


def test_no_page_is_written_when_another_is_damaged(tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    operations = docs / readme.OPERATIONS_PAGE
    stale = operations.read_text(encoding="utf-8").replace("| `classifieds.get_classifieds`", "| `x.y`", 1)
    operations.write_text(stale, encoding="utf-8")
    migration = docs / readme.MIGRATION_PAGE
    migration.write_text(
        migration.read_text(encoding="utf-8") + readme.MIGRATION_END + "\n", encoding="utf-8"
    )
    with pytest.raises(readme.ReadmeError, match="migration report block is damaged"):
        readme.update_docs(docs)
    assert operations.read_text(encoding="utf-8") == stale
