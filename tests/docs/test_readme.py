"""README: the sandbox Quickstarts run as written, the operations list matches the pinned specs, objects are
described as what they are, and the v3 -> v4 migration guide states what the report tool finds between the
two documents."""

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
from tests.generated.test_typing import run_mypy
from tests.sandbox.conftest import run_pytest

README = REPO_ROOT / "README.md"


def code_block_after(heading: str, index: int = 0) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) > index
    return str(blocks[index])


def run_code(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False
    )


def assert_prints_what_its_comments_say(code: str, output: str) -> None:
    """Each ``print(...)  # <what it prints>`` of ``code`` printed that line, in order.

    In a comment, ``<uuid>`` stands for a UUID and ``...`` for anything; every other character,
    figures included, must be printed as written (so the comments cannot drift from the code).
    """
    comments = [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.strip().startswith("print(") and "#" in line
    ]
    printed = output.splitlines()
    assert len(printed) == len(comments), (comments, printed)
    for comment, line in zip(comments, printed, strict=True):
        pattern = re.escape(comment).replace(re.escape("<uuid>"), "[0-9a-f-]{36}")
        assert re.fullmatch(pattern.replace(re.escape("..."), ".*"), line), (comment, line)


QUICKSTARTS = ("v3", "v4")


@pytest.mark.parametrize("api", QUICKSTARTS)
def test_the_sandbox_quickstart_runs_and_prints_what_it_says(api: str) -> None:
    code = code_block_after("### Quickstart against the local sandbox", index=QUICKSTARTS.index(api))
    assert ('api="v4"' in code) is (api == "v4")
    result = run_code(code)
    assert result.returncode == 0, result.stderr
    assert_prints_what_its_comments_say(code, result.stdout)
    report = result.stdout.splitlines()[-1]  # and the token-reuse rule holds
    assert re.fullmatch(
        r"1 token request for \d+ API calls — compliant \(strict, without the 1 h refresh grace: compliant\)",
        report,
    )


def test_a_comment_that_drifted_is_caught() -> None:
    code = 'print("1 token request for 6 API calls")  # 1 token request for 4 API calls\n'
    with pytest.raises(AssertionError):
        assert_prints_what_its_comments_say(code, "1 token request for 6 API calls\n")
    assert_prints_what_its_comments_say(code.replace("4 API", "6 API"), "1 token request for 6 API calls\n")


def test_the_sandbox_quickstarts_type_check_strictly(tmp_path: Path) -> None:
    files = []
    for index, api in enumerate(QUICKSTARTS):
        path = tmp_path / f"quickstart_{api}.py"
        path.write_text(
            code_block_after("### Quickstart against the local sandbox", index=index), encoding="utf-8"
        )
        files.append(path)
    result = run_mypy(tmp_path, *files, extra=("--strict",))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Success: no issues found in {len(files)} source files" in result.stdout


def test_the_operations_block_matches_the_pinned_specs() -> None:
    assert readme.update_readme(check=True) is False, "run `python -m scripts.readme`"
    block = README.read_text(encoding="utf-8").split(readme.START)[1].split(readme.END)[0]
    documents = readme.load_specs()
    assert list(documents) == list(api_versions())
    for api, document in documents.items():
        operations = readme.operation_count(document)
        version = document["info"]["version"]
        section = block.split(f"#### CaaS {api} (spec {version})")[1].split("####")[0]
        rows = re.findall(r"^\| `[a-z_]+\.[a-z_]+` \| `[A-Z]+ /", section, re.MULTILINE)
        assert len(rows) == operations
        assert f"{operations} in the {api} spec {version}" in block


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
        readme.render("# nothing here", readme.load_specs())


def migration_report() -> tuple[list[spec_diff.Change], str]:
    """The report tool between the pinned v3 and v4 documents, and README's migration guide."""
    old, new = (json.loads(SpecPin.load(api).read_verified()[1]) for api in ("v3", "v4"))
    changes = spec_diff.compare(old, new)
    text = README.read_text(encoding="utf-8")
    guide = text.split("## Migrating from v3 to v4")[1].split("\n## ")[0]
    return changes, guide


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


def test_the_migration_report_follows_the_documents_it_is_given(tmp_path: pytest.TempPathFactory) -> None:
    # What `make update-spec` does when v3 moves on: the block is rewritten from the new document.
    path = tmp_path / "README.md"  # type: ignore[operator]
    path.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    published = readme.load_documents()
    grown = json.loads(json.dumps(published["v3"]))
    grown["info"]["version"] = "3.99.0"
    grown["paths"]["/only-in-this-test"] = {
        "get": {"operationId": "onlyInThisTest", "responses": {"200": {"description": "ok"}}}
    }
    assert readme.update_readme(path, published={"v3": grown}) is True
    guide = path.read_text(encoding="utf-8").split(readme.MIGRATION_START)[1].split(readme.MIGRATION_END)[0]
    assert "from v3 3.99.0 to v4" in guide
    assert "GET /only-in-this-test (onlyInThisTest): endpoint removed" in guide
    assert readme.update_readme(path, published={"v3": grown}, check=True) is False


def test_without_the_documents_only_the_operations_list_is_rewritten(
    tmp_path: pytest.TempPathFactory,
) -> None:
    # update-spec's fallback when another version's document is not at hand: no document is read.
    path = tmp_path / "README.md"  # type: ignore[operator]
    text = README.read_text(encoding="utf-8")
    stale = text.replace("| `classifieds.get_classifieds`", "| `classifieds.list_them`")
    stale = stale.replace(readme.MIGRATION_START + "\n", readme.MIGRATION_START + "\nstale\n")
    path.write_text(stale, encoding="utf-8")
    assert readme.update_readme(path, migration=False) is True
    rewritten = path.read_text(encoding="utf-8")
    assert "| `classifieds.get_classifieds`" in rewritten
    assert readme.MIGRATION_START + "\nstale\n" in rewritten


def test_the_sample_bodies_are_described_as_the_dicts_they_are() -> None:
    text = " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())
    sentence = re.search(
        r"[^.]*`aviv_caas_auth\.sandbox\.samples\.paris_apartment_for_sale\(\)`[^.]*\.", text
    )
    assert sentence is not None
    assert isinstance(paris_apartment_for_sale(), dict)
    assert isinstance(living_room_picture(), dict)
    assert isinstance(paris_apartment_pictures(), list)
    assert "dict" in sentence.group(0)
    assert "(an `AvivClassified`" not in sentence.group(0)


def test_the_pytest_example_passes_as_written(tmp_path: Path) -> None:
    code = code_block_after("### In your tests (pytest)")
    assert "poll=caas_sandbox.poll_policy()" in code  # the wiring the frozen fixture needs
    (tmp_path / "test_readme_example.py").write_text(code, encoding="utf-8")
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_sync_example_runs_and_prints_what_it_says() -> None:
    code = code_block_after("## Keeping an agency in sync")
    result = run_code(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    summaries = [lines[0], lines[-1]]
    comments = [
        line.split("#", 1)[1].strip() for line in code.splitlines() if "print(report.summary())" in line
    ]
    assert summaries == comments
    text = README.read_text(encoding="utf-8")
    shown = text.split("prints, between the two summaries, the dry run:\n\n```\n")[1].split("```")[0]
    pattern = re.escape(shown.strip()).replace(re.escape("<uuid>"), "[0-9a-f-]{36}")
    assert re.fullmatch(pattern, "\n".join(lines[1:-1])), lines
