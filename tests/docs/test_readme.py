"""README and the docs' specifics: the sandbox Quickstarts type-check and keep the token-reuse rule, the
generated blocks (operations list, v3 -> v4 report) match the pinned specs, objects are described as what they
are. (That every snippet runs is tests/docs/test_snippets.py.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aviv_caas_auth.sandbox.samples import (
    living_room_picture,
    paris_apartment_for_sale,
    paris_apartment_pictures,
)
from scripts import readme, spec_diff
from scripts.paths import REPO_ROOT, api_versions
from scripts.pin import SpecPin
from tests.docs.snippets import Snippet, run, snippets_of
from tests.generated.test_typing import run_mypy

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
OPERATIONS = DOCS / readme.OPERATIONS_PAGE
MIGRATION = DOCS / readme.MIGRATION_PAGE
README_MAX_LINES = 250


def sandbox_quickstarts() -> list[Snippet]:
    """The offline Quickstarts: README's, the home page's, and Getting started's v3 and v4."""
    found = [
        snippet
        for page in (README, DOCS / "index.md", DOCS / "getting-started.md")
        for snippet in snippets_of(page)
        if "Sandbox.start(" in snippet.code and snippet.prelude is None and not snippet.before
    ]
    assert len(found) == 4, [snippet.id for snippet in found]
    return found


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES
    text = "\n".join(lines)
    for page in (
        "getting-started.md",
        "guides/errors.md",
        "guides/authentication.md",
        "reference/operations.md",
    ):
        assert f"](docs/{page})" in text


@pytest.mark.parametrize("api", ["v3", "v4"])
def test_the_getting_started_quickstarts_keep_the_token_reuse_rule(api: str, tmp_path: Path) -> None:
    (snippet,) = [
        s
        for s in sandbox_quickstarts()
        if s.page.name == "getting-started.md" and (api == "v4") is ('api="v4"' in s.code)
    ]
    result = run(snippet, tmp_path)
    assert result.returncode == 0, result.stderr
    report = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"1 token request for \d+ API calls — compliant \(strict, without the 1 h refresh grace: compliant\)",
        report,
    )


def test_the_sandbox_quickstarts_type_check_strictly(tmp_path: Path) -> None:
    files = []
    for index, snippet in enumerate(sandbox_quickstarts()):
        path = tmp_path / f"quickstart_{index}.py"
        path.write_text(snippet.code, encoding="utf-8")
        files.append(path)
    result = run_mypy(tmp_path, *files, extra=("--strict",))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Success: no issues found in {len(files)} source files" in result.stdout


def test_the_operations_block_matches_the_pinned_specs() -> None:
    assert readme.update_docs(check=True) == [], "run `python -m scripts.readme`"
    block = OPERATIONS.read_text(encoding="utf-8").split(readme.START)[1].split(readme.END)[0]
    documents = readme.load_specs()
    assert list(documents) == list(api_versions())
    for api, document in documents.items():
        operations = readme.operation_count(document)
        version = document["info"]["version"]
        section = block.split(f"## CaaS {api} (spec {version})")[1].split("## ")[0]
        rows = re.findall(r"^\| `[a-z_]+\.[a-z_]+` \| `[A-Z]+ /", section, re.MULTILINE)
        assert len(rows) == operations
        assert f"{operations} in the {api} spec {version}" in block


def copy_docs(tmp_path: Path) -> Path:
    """The docs pages with generated blocks, copied under ``tmp_path``."""
    for page in (readme.OPERATIONS_PAGE, readme.MIGRATION_PAGE):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text((DOCS / page).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_stale_block_is_found_and_rewritten(tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    page = docs / readme.OPERATIONS_PAGE
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("| `classifieds.get_classifieds`", "| `classifieds.list_them`"), encoding="utf-8"
    )
    assert readme.update_docs(docs, check=True) == [page]
    assert "list_them" in page.read_text(encoding="utf-8")  # --check writes nothing
    assert readme.update_docs(docs) == [page]
    assert page.read_text(encoding="utf-8") == text


def test_a_page_without_its_block_is_an_error(tmp_path: Path) -> None:
    docs = copy_docs(tmp_path)
    (docs / readme.OPERATIONS_PAGE).write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(readme.ReadmeError, match="has no operations block"):
        readme.update_docs(docs, migration=False)


def test_the_check_command_finds_the_blocks_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.readme", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def migration_report() -> tuple[list[spec_diff.Change], str]:
    """The report tool between the pinned v3 and v4 documents, and the migration guide."""
    old, new = (json.loads(SpecPin.load(api).read_verified()[1]) for api in ("v3", "v4"))
    return spec_diff.compare(old, new), MIGRATION.read_text(encoding="utf-8")


def test_the_migration_guide_states_the_report_s_figures() -> None:
    changes, guide = migration_report()
    levels = {level: sum(c.level == level for c in changes) for level in spec_diff.LEVELS}
    figures = (
        f"**{len(changes)} change(s) for a client: {levels[spec_diff.BREAKING]} breaking, "
        f"{levels[spec_diff.POTENTIALLY]} potentially breaking, {levels[spec_diff.NON_BREAKING]} non-breaking**"
    )
    assert figures in guide


def test_the_migration_guide_states_every_change_of_the_report() -> None:
    changes, guide = migration_report()
    assert [c.rule for c in changes].count("api-path-removed") >= 1  # v4 dropped the media endpoints
    assert [change.line() for change in changes if change.line() not in guide] == []


def test_the_migration_report_follows_the_documents_it_is_given(tmp_path: Path) -> None:
    # What `make update-spec` does when v3 moves on: the block is rewritten from the new document.
    docs = copy_docs(tmp_path)
    published = readme.load_documents()
    grown = json.loads(json.dumps(published["v3"]))
    grown["info"]["version"] = "3.99.0"
    grown["paths"]["/only-in-this-test"] = {
        "get": {"operationId": "onlyInThisTest", "responses": {"200": {"description": "ok"}}}
    }
    assert readme.update_docs(docs, published={"v3": grown}) == [docs / readme.MIGRATION_PAGE]
    page = (docs / readme.MIGRATION_PAGE).read_text(encoding="utf-8")
    guide = page.split(readme.MIGRATION_START)[1].split(readme.MIGRATION_END)[0]
    assert "from v3 3.99.0 to v4" in guide
    assert "GET /only-in-this-test (onlyInThisTest): endpoint removed" in guide
    assert readme.update_docs(docs, published={"v3": grown}, check=True) == []


def test_without_the_documents_only_the_operations_list_is_rewritten(tmp_path: Path) -> None:
    # update-spec's fallback when another version's document is not at hand: no document is read.
    docs = copy_docs(tmp_path)
    operations, migration = docs / readme.OPERATIONS_PAGE, docs / readme.MIGRATION_PAGE
    operations.write_text(
        operations.read_text(encoding="utf-8").replace(
            "| `classifieds.get_classifieds`", "| `classifieds.x`"
        ),
        encoding="utf-8",
    )
    stale = migration.read_text(encoding="utf-8").replace(
        readme.MIGRATION_START + "\n", readme.MIGRATION_START + "\nstale\n"
    )
    migration.write_text(stale, encoding="utf-8")
    assert readme.update_docs(docs, migration=False) == [operations]
    assert "| `classifieds.get_classifieds`" in operations.read_text(encoding="utf-8")
    assert migration.read_text(encoding="utf-8") == stale


def test_the_sample_bodies_are_described_as_the_dicts_they_are() -> None:
    text = " ".join((DOCS / "guides" / "sandbox.md").read_text(encoding="utf-8").split())
    sentence = re.search(
        r"[^.]*`aviv_caas_auth\.sandbox\.samples\.paris_apartment_for_sale\(\)`[^.]*\.", text
    )
    assert sentence is not None
    assert isinstance(paris_apartment_for_sale(), dict)
    assert isinstance(living_room_picture(), dict)
    assert isinstance(paris_apartment_pictures(), list)
    assert "dict" in sentence.group(0)
    assert "(an `AvivClassified`" not in sentence.group(0)


def test_the_pytest_example_wires_the_frozen_clock() -> None:
    (example,) = [snippet for snippet in snippets_of(DOCS / "guides" / "sandbox.md") if snippet.is_pytest]
    assert "poll=caas_sandbox.poll_policy()" in example.code  # the wiring the frozen fixture needs


def test_the_sync_example_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    page = DOCS / "guides" / "workflows.md"
    (snippet,) = [s for s in snippets_of(page) if s.heading == "Keeping an agency in sync"]
    result = run(snippet, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    summaries = [lines[0], lines[-1]]
    comments = [
        line.split("#", 1)[1].strip()
        for line in snippet.code.splitlines()
        if "print(report.summary())" in line
    ]
    assert summaries == comments
    text = page.read_text(encoding="utf-8")
    shown = text.split("prints, between the two summaries, the dry run:\n\n```\n")[1].split("```")[0]
    pattern = re.escape(shown.strip()).replace(re.escape("<uuid>"), "[0-9a-f-]{36}")
    assert re.fullmatch(pattern, "\n".join(lines[1:-1])), lines
