"""Generate the typed endpoint client of each API version from its prepared spec.

    python -m scripts.generate [--api v3] [--if-changed] [--build-dir DIR] [--output DIR]

Without ``--api`` every version under openapi/ is generated (v3 into generated/aviv_caas_client,
v4 into generated/aviv_caas_client_v4: each version's generator.yaml names its package).

Runs the pinned openapi-python-client with ``--fail-on-warning`` and the custom templates of
openapi/templates, formats with the pinned ruff, adds ``py.typed``, the prepared spec
(``openapi.json``, which the local sandbox validates against) and ``servers.py`` (each
environment's base URL, from the document's ``servers``: :func:`servers_module`), then swaps
the result into place, so a failed run never leaves a half-written package; the package it
replaces is kept in ``build/<api>/previous/`` (for a code diff). Writes nothing outside the
output package and the build folder. ``--if-changed`` skips the work when no input changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from scripts.overlay import OverlayError
from scripts.paths import DEFAULT_API, DEFAULT_BUILD_DIR, GENERATOR_CONFIG, PYPROJECT, ApiPaths, api_versions
from scripts.pin import SpecPinError
from scripts.prepare_spec import prepare, write_if_changed

SHAPING_TOOLS = ("openapi-python-client", "ruff")
ENVIRONMENTS = ("production", "sandbox")
ENVIRONMENT_KEY = "x-aviv-environment"


class GenerationError(Exception):
    """The generator failed, warned, or is not the pinned version."""


def pinned_tool_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """The exact versions of the tools that shape generated code, from pyproject's dev group."""
    groups = tomllib.loads(pyproject.read_text(encoding="utf-8"))["dependency-groups"]
    pins = {}
    for requirement in groups["dev"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", requirement.strip())
        if match and match.group(1).lower() in SHAPING_TOOLS:
            pins[match.group(1).lower()] = match.group(2)
    missing = set(SHAPING_TOOLS) - pins.keys()
    if missing:
        raise GenerationError(f"pyproject.toml's dev group must pin {', '.join(sorted(missing))} with ==")
    return pins


def check_tool_versions() -> dict[str, str]:
    """Fail unless the installed generator and formatter are the pinned ones."""
    pins = pinned_tool_versions()
    for tool, wanted in pins.items():
        try:
            installed = metadata.version(tool)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != wanted:
            raise GenerationError(
                f"{tool} {wanted} is pinned but {installed} is installed in {sys.prefix}; run `make install`."
            )
    return pins


def input_digest(prepared: Path, pins: dict[str, str], config: Path, templates: Path) -> str:
    """A digest of everything that determines the generated code."""
    digest = hashlib.sha256()
    inputs = [prepared, config, Path(__file__)]
    inputs += sorted(p for p in templates.rglob("*") if p.is_file()) if templates.is_dir() else []
    for path in inputs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted(pins.items())).encode())
    return digest.hexdigest()


def run_generator(
    prepared: Path,
    destination: Path,
    templates: Path | None = None,
    config: Path = GENERATOR_CONFIG,
) -> str:
    """Run openapi-python-client into ``destination`` (which must not exist); return what it printed.

    ``templates`` defaults to the shared openapi/templates, ``config`` to v3's generator.yaml.
    """
    templates = templates or ApiPaths(DEFAULT_API).templates_dir
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(prepared),
        "--config",
        str(config),
        "--meta",
        "none",
        "--output-path",
        str(destination),
        "--fail-on-warning",
    ]
    if templates.is_dir():
        command += ["--custom-template-path", str(templates)]
    # The pinned ruff (post hooks) must come first on PATH.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    output = (result.stdout + result.stderr).strip()
    problems = [line for line in output.splitlines() if re.search(r"warning|error|not in path", line, re.I)]
    if result.returncode != 0 or problems or not (destination / "__init__.py").is_file():
        raise GenerationError(f"openapi-python-client failed (exit {result.returncode}):\n{output}")
    return output


def server_urls(document: dict[str, object], where: str) -> dict[str, str]:
    """Each environment's server URL: the ``servers`` the overlay marked with ``x-aviv-environment``."""
    urls: dict[str, str] = {}
    servers = document.get("servers")
    for server in servers if isinstance(servers, list) else []:
        name = server.get(ENVIRONMENT_KEY) if isinstance(server, dict) else None
        if name in urls:
            raise GenerationError(f"{where}: two servers are marked {ENVIRONMENT_KEY}: {name}")
        if isinstance(name, str) and isinstance(server.get("url"), str):
            urls[name] = server["url"].rstrip("/")
    missing = [name for name in ENVIRONMENTS if not urls.get(name, "").startswith("https://")]
    if missing or set(urls) - set(ENVIRONMENTS):
        raise GenerationError(
            f"{where}: each environment ({', '.join(ENVIRONMENTS)}) needs one https server marked "
            f"{ENVIRONMENT_KEY}, found {urls or 'none'}; adapt the overlay's Environments actions"
        )
    return {name: urls[name] for name in ENVIRONMENTS}


def servers_module(document: dict[str, object], api: str, where: str) -> str:
    """The source of ``<package>/servers.py``: API version, document version, each environment's URL.

    ``aviv_caas_auth`` reads it for ``create_client(api=..., environment=...)``: the base URL of
    an environment, which is also its token audience, comes from AVIV's document, not from code.
    """
    urls = server_urls(document, where)
    info = document.get("info")
    version = str(info.get("version")) if isinstance(info, dict) else "?"
    entries = "".join(f"    {json.dumps(name)}: {json.dumps(url)},\n" for name, url in urls.items())
    return (
        f'"""AVIV\'s servers for CaaS {api} (document {version}), from its `servers`."""\n'
        "\n# Written by scripts/generate.py; aviv_caas_auth.apis reads it.\n"
        "\nfrom typing import Final\n\n"
        f"API_VERSION: Final = {json.dumps(api)}\n"
        f"SPEC_VERSION: Final = {json.dumps(version)}\n"
        "# Each environment's API base URL, which is also the audience of its tokens.\n"
        f"BASE_URLS: Final[dict[str, str]] = {{\n{entries}}}\n"
    )


def build_package(prepared: Path, paths: ApiPaths, work: Path, templates: Path) -> Path:
    """Generate ``paths.api``'s package from ``prepared`` into the fresh folder ``work``; return it."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fresh = work / paths.package_name
    run_generator(prepared, fresh, templates, paths.generator_config)
    (fresh / "py.typed").write_text("", encoding="utf-8")
    # The patched spec travels with the client it describes (read by the local sandbox).
    shutil.copyfile(prepared, fresh / "openapi.json")
    document = json.loads(prepared.read_bytes())
    where = f"the prepared {paths.api} document (openapi/{paths.api}/overlay.yaml)"
    (fresh / "servers.py").write_text(servers_module(document, paths.api, where), encoding="utf-8")
    shutil.rmtree(fresh / ".ruff_cache", ignore_errors=True)
    return fresh


def swap_in(fresh: Path, output: Path, previous: Path) -> None:
    """Put ``fresh`` at ``output``; the package it replaces goes to ``previous`` (replacing that)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(previous, ignore_errors=True)
    previous.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        shutil.move(output, previous)
    shutil.move(fresh, output)


def generate(
    build_dir: Path = DEFAULT_BUILD_DIR,
    output: Path | None = None,
    *,
    api: str = DEFAULT_API,
    if_changed: bool = False,
    templates: Path | None = None,
) -> bool:
    """Regenerate ``api``'s package (at ``output``, default generated/<package>); False when skipped.

    ``templates`` is the custom template folder (the benchmark passes a variant of it).
    """
    paths = ApiPaths(api, build_dir)
    output = output or paths.generated_package
    templates = templates or paths.templates_dir
    pins = check_tool_versions()
    prepared = prepare(build_dir, api=api, verbose=False)
    digest = input_digest(prepared, pins, paths.generator_config, templates)
    stamp = paths.build_dir / "generate.stamp"
    up_to_date = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest
    if if_changed and up_to_date and output.joinpath("__init__.py").is_file():
        return False
    work = paths.build_dir / "generate"
    fresh = build_package(prepared, paths, work, templates)
    swap_in(fresh, output, paths.previous_package)
    shutil.rmtree(work, ignore_errors=True)
    write_if_changed(stamp, (digest + "\n").encode())
    return True


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", choices=api_versions(), help="one API version (default: every one)")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--output", type=Path, help="where the package goes (with --api or one version)")
    parser.add_argument("--if-changed", action="store_true", help="skip when no input changed")
    args = parser.parse_args(argv)
    apis = [args.api] if args.api else list(api_versions())
    if args.output and len(apis) != 1:
        parser.error("--output needs --api: it names one package")
    failed = []
    for api in apis:  # every version is tried: one run lists every missing or wrong document
        output = args.output.resolve() if args.output else None
        try:
            done = generate(args.build_dir, output, api=api, if_changed=args.if_changed)
        except (SpecPinError, OverlayError, GenerationError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(api)
            continue
        where = output or ApiPaths(api).generated_package
        print(f"generate {api}: {'wrote' if done else 'up to date:'} {where}")
    if failed and len(apis) > 1:
        print(f"generate: {', '.join(failed)} not generated (see above)", file=sys.stderr)
    return 2 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
