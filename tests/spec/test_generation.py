"""Generation: zero warnings (patch b), byte-identical output, and nothing written elsewhere (point 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.generate import GenerationError, run_generator
from scripts.paths import GENERATED_PACKAGE, GENERATOR_CONFIG, REPO_ROOT, prepared_spec_path
from tests.spec.conftest import PIN, PYTHON, run, tree_digest, tree_snapshot

WARNING_WORDS = ("warning", "cannot parse", "will be omitted", "unsupported")


def outside_outputs(relative: Path) -> bool:
    """Whether a repository path is generation output (generated/, build/), i.e. allowed to change."""
    return relative.parts[0] in ("generated", "build")


# --- zero warnings ------------------------------------------------------------------------------


def test_generating_the_prepared_spec_prints_no_warning(tmp_path: Path) -> None:
    output = run_generator(prepared_spec_path(), tmp_path / "aviv_caas_client")
    assert output.splitlines() == [f"Generating {tmp_path / 'aviv_caas_client'}"]
    assert not any(word in output.lower() for word in WARNING_WORDS)


def tiny_spec(tmp_path: Path, content_type: str) -> Path:
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "operationId": "getX",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"type": "string"}}},
                        },
                        "400": {
                            "description": "problem",
                            "content": {content_type: {"schema": {"type": "object"}}},
                        },
                    },
                }
            }
        },
    }
    path = tmp_path / f"tiny-{content_type.replace('/', '_')}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def test_a_generator_warning_fails_generation(tmp_path: Path) -> None:
    """--fail-on-warning is in force: a response the generator cannot parse stops generation."""
    with pytest.raises(GenerationError, match="Unsupported content_type application/xml"):
        run_generator(tiny_spec(tmp_path, "application/xml"), tmp_path / "out")


def test_without_the_content_type_override_problems_would_be_dropped(tmp_path: Path) -> None:
    """What generator.yaml's content_type_overrides fixes: AVIV's `application/json+problem`."""
    spec = tiny_spec(tmp_path, "application/json+problem")
    run_generator(spec, tmp_path / "with_override")
    config: dict[str, Any] = yaml.safe_load(GENERATOR_CONFIG.read_text(encoding="utf-8"))
    assert config.pop("content_type_overrides") == {"application/json+problem": "application/json"}
    bare = tmp_path / "generator-without-override.yaml"
    bare.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(GenerationError, match="Unsupported content_type application/json\\+problem"):
        run_generator(spec, tmp_path / "without_override", config=bare)


# --- determinism and separation -------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_generations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generate twice into temporary folders, watching the whole repository meanwhile."""
    tmp = tmp_path_factory.mktemp("generations")
    repository_before = tree_snapshot(REPO_ROOT)
    results = {}
    for name in ("first", "second"):
        command = [PYTHON, "-m", "scripts.generate"]
        command += [
            "--build-dir",
            str(tmp / name / "build"),
            "--output",
            str(tmp / name / "out" / "aviv_caas_client"),
        ]
        results[name] = run(command)
    return {"tmp": tmp, "results": results, "before": repository_before, "after": tree_snapshot(REPO_ROOT)}


def test_generating_twice_gives_identical_bytes(two_generations: dict[str, Any]) -> None:
    tmp = two_generations["tmp"]
    for result in two_generations["results"].values():
        assert result.returncode == 0, result.stderr
    first = tree_digest(tmp / "first" / "out" / "aviv_caas_client")
    second = tree_digest(tmp / "second" / "out" / "aviv_caas_client")
    assert len(first) > 400
    assert {"__init__.py", "py.typed", "openapi.json", "client.py"} <= set(first)
    assert first == second


def test_the_committed_pipeline_reproduces_generated(two_generations: dict[str, Any]) -> None:
    """generated/ is exactly what pin + overlay + config + templates give (wherever generated)."""
    assert tree_digest(two_generations["tmp"] / "first" / "out" / "aviv_caas_client") == tree_digest(
        GENERATED_PACKAGE
    )


def test_generation_elsewhere_writes_only_its_output_and_build_dirs(two_generations: dict[str, Any]) -> None:
    tmp = two_generations["tmp"]
    assert two_generations["after"] == two_generations["before"]  # the repository, generated/ included
    assert sorted(
        p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file() and "out" not in p.parts
    ) == [
        "first/build/v3/generate.stamp",
        "first/build/v3/prepared.json",
        "second/build/v3/generate.stamp",
        "second/build/v3/prepared.json",
    ]


@pytest.fixture(scope="module")
def make_generate_twice() -> dict[str, Any]:
    """`make generate` twice in the repository, watching every file that is not generation output."""
    spec_path, _ = PIN.location()
    watched_before = tree_snapshot(REPO_ROOT, skip=outside_outputs)
    spec_before = spec_path.stat()
    generated_before = tree_snapshot(GENERATED_PACKAGE)
    first = run(["make", "--no-print-directory", "generate"])
    generated_first = tree_snapshot(GENERATED_PACKAGE)
    second = run(["make", "--no-print-directory", "generate"])
    return {
        "results": [first, second],
        "watched": (watched_before, tree_snapshot(REPO_ROOT, skip=outside_outputs)),
        "spec": (spec_before, spec_path.stat()),
        "generated": (generated_before, generated_first, tree_snapshot(GENERATED_PACKAGE)),
    }


def test_make_generate_twice_gives_a_byte_identical_package(make_generate_twice: dict[str, Any]) -> None:
    for result in make_generate_twice["results"]:
        assert result.returncode == 0, result.stderr
    before, first, second = make_generate_twice["generated"]
    digests = [
        {name: digest for name, (_, _, digest) in snapshot.items()} for snapshot in (before, first, second)
    ]
    assert digests[1] == digests[2]
    assert digests[0] == digests[1]  # and the same as what `make install` had generated
    # Not vacuous: each run really rewrote the package (new files, same bytes).
    assert first["__init__.py"][1] != before["__init__.py"][1]
    assert second["__init__.py"][1] != first["__init__.py"][1]


def test_make_generate_writes_nothing_outside_generated_and_build(
    make_generate_twice: dict[str, Any],
) -> None:
    watched_before, watched_after = make_generate_twice["watched"]
    assert len(watched_before) > 20
    assert watched_after == watched_before
    spec_before, spec_after = make_generate_twice["spec"]
    assert (spec_after.st_mtime_ns, spec_after.st_size) == (spec_before.st_mtime_ns, spec_before.st_size)


def test_make_generate_leaves_aviv_caas_auth_untouched(make_generate_twice: dict[str, Any]) -> None:
    watched_before, watched_after = make_generate_twice["watched"]
    auth_before = {k: v for k, v in watched_before.items() if k.startswith("aviv_caas_auth/")}
    auth_after = {k: v for k, v in watched_after.items() if k.startswith("aviv_caas_auth/")}
    assert auth_before
    assert auth_after == auth_before
    on_disk = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "aviv_caas_auth").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert on_disk == set(auth_before)  # the snapshot really covered every file
