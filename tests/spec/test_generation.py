"""Generation: zero warnings (patch b), byte-identical output, and nothing written elsewhere (point 6)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.generate import GenerationError, run_generator, servers_module
from scripts.paths import REPO_ROOT, ApiPaths, prepared_spec_path
from tests.spec.conftest import (
    API_VERSIONS,
    PYTHON,
    for_each_api,
    pin_of,
    prepared_spec,
    run,
    tree_digest,
    tree_snapshot,
)

WARNING_WORDS = ("warning", "cannot parse", "will be omitted", "unsupported")


def outside_outputs(relative: Path) -> bool:
    """Whether a repository path is generation output (generated/, build/), i.e. allowed to change."""
    return relative.parts[0] in ("generated", "build")


# --- zero warnings ------------------------------------------------------------------------------


@for_each_api()
def test_generating_the_prepared_spec_prints_no_warning(tmp_path: Path, api: str) -> None:
    paths = ApiPaths(api)
    destination = tmp_path / paths.package_name
    output = run_generator(prepared_spec_path(api=api), destination, config=paths.generator_config)
    assert output.splitlines() == [f"Generating {destination}"]
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


@for_each_api()
def test_without_the_content_type_override_problems_would_be_dropped(tmp_path: Path, api: str) -> None:
    """What generator.yaml's content_type_overrides fixes: AVIV's `application/json+problem`."""
    spec = tiny_spec(tmp_path, "application/json+problem")
    generator_config = ApiPaths(api).generator_config
    run_generator(spec, tmp_path / "with_override", config=generator_config)
    config: dict[str, Any] = yaml.safe_load(generator_config.read_text(encoding="utf-8"))
    assert config.pop("content_type_overrides") == {"application/json+problem": "application/json"}
    bare = tmp_path / "generator-without-override.yaml"
    bare.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(GenerationError, match="Unsupported content_type application/json\\+problem"):
        run_generator(spec, tmp_path / "without_override", config=bare)


# --- determinism and separation -------------------------------------------------------------------


@pytest.fixture(scope="module", params=API_VERSIONS)
def two_generations(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Generate one version twice into temporary folders, watching the whole repository meanwhile."""
    api = str(request.param)
    package = ApiPaths(api).package_name
    tmp = tmp_path_factory.mktemp(f"generations-{api}")
    repository_before = tree_snapshot(REPO_ROOT)
    results = {}
    for name in ("first", "second"):
        command = [PYTHON, "-m", "scripts.generate", "--api", api]
        command += ["--build-dir", str(tmp / name / "build"), "--output", str(tmp / name / "out" / package)]
        results[name] = run(command)
    return {
        "api": api,
        "package": package,
        "tmp": tmp,
        "results": results,
        "before": repository_before,
        "after": tree_snapshot(REPO_ROOT),
    }


def test_generating_twice_gives_identical_bytes(two_generations: dict[str, Any]) -> None:
    tmp, package = two_generations["tmp"], two_generations["package"]
    for result in two_generations["results"].values():
        assert result.returncode == 0, result.stderr
    first = tree_digest(tmp / "first" / "out" / package)
    second = tree_digest(tmp / "second" / "out" / package)
    assert len(first) > 100
    assert {"__init__.py", "py.typed", "openapi.json", "servers.py", "client.py"} <= set(first)
    assert first == second


def test_the_committed_pipeline_reproduces_generated(two_generations: dict[str, Any]) -> None:
    """generated/ is exactly what pin + overlay + config + templates give (wherever generated)."""
    package = two_generations["package"]
    assert tree_digest(two_generations["tmp"] / "first" / "out" / package) == tree_digest(
        ApiPaths(two_generations["api"]).generated_package
    )


def test_generation_elsewhere_writes_only_its_output_and_build_dirs(two_generations: dict[str, Any]) -> None:
    tmp, api = two_generations["tmp"], two_generations["api"]
    assert two_generations["after"] == two_generations["before"]  # the repository, generated/ included
    assert sorted(
        p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file() and "out" not in p.parts
    ) == [
        f"first/build/{api}/generate.stamp",
        f"first/build/{api}/prepared.json",
        f"second/build/{api}/generate.stamp",
        f"second/build/{api}/prepared.json",
    ]


@for_each_api()
def test_servers_py_holds_the_documents_servers(api: str) -> None:
    """Each environment's base URL (= token audience) comes from the document's own `servers`."""
    namespace = vars(importlib.import_module(f"{ApiPaths(api).package_name}.servers"))
    _, raw = pin_of(api).read_verified()
    urls = {server["url"] for server in json.loads(raw)["servers"]}
    assert set(namespace["BASE_URLS"]) == {"production", "sandbox"}
    assert set(namespace["BASE_URLS"].values()) == urls
    assert "/sandbox/" in namespace["BASE_URLS"]["sandbox"]
    assert "/sandbox/" not in namespace["BASE_URLS"]["production"]
    assert (namespace["API_VERSION"], namespace["SPEC_VERSION"]) == (api, pin_of(api).version)


@pytest.mark.parametrize(
    ("servers", "message"),
    [
        ([{"url": "https://a.example/caas/v9"}], "needs one https server marked x-aviv-environment"),
        (
            [{"url": "https://a.example/x", "x-aviv-environment": "sandbox"}] * 2,
            "two servers are marked x-aviv-environment: sandbox",
        ),
        (
            [
                {"url": "http://a.example/x", "x-aviv-environment": "sandbox"},
                {"url": "https://a.example/y", "x-aviv-environment": "production"},
            ],
            "needs one https server",
        ),
    ],
)
def test_servers_the_overlay_does_not_mark_fail_generation_clearly(servers: Any, message: str) -> None:
    document = {**prepared_spec(), "servers": servers}
    with pytest.raises(GenerationError, match=message):
        servers_module(document, "v3", "the test document")


@pytest.fixture(scope="module")
def make_generate_twice() -> dict[str, Any]:
    """`make generate` twice in the repository, watching every file that is not generation output."""
    spec_paths = [pin_of(api).location()[0] for api in API_VERSIONS]
    packages = [ApiPaths(api).generated_package for api in API_VERSIONS]
    watched_before = tree_snapshot(REPO_ROOT, skip=outside_outputs)
    specs_before = [path.stat() for path in spec_paths]
    generated_before = [tree_snapshot(package) for package in packages]
    first = run(["make", "--no-print-directory", "generate"])
    generated_first = [tree_snapshot(package) for package in packages]
    second = run(["make", "--no-print-directory", "generate"])
    return {
        "results": [first, second],
        "watched": (watched_before, tree_snapshot(REPO_ROOT, skip=outside_outputs)),
        "specs": list(zip(specs_before, [path.stat() for path in spec_paths], strict=True)),
        "generated": list(
            zip(generated_before, generated_first, [tree_snapshot(p) for p in packages], strict=True)
        ),
    }


def test_make_generate_twice_gives_byte_identical_packages(make_generate_twice: dict[str, Any]) -> None:
    for result in make_generate_twice["results"]:
        assert result.returncode == 0, result.stderr
    assert len(make_generate_twice["generated"]) == len(API_VERSIONS)  # every version's package
    for before, first, second in make_generate_twice["generated"]:
        digests = [
            {name: digest for name, (_, _, digest) in snapshot.items()}
            for snapshot in (before, first, second)
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
    for spec_before, spec_after in make_generate_twice["specs"]:
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
