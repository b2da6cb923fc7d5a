"""Cold-import rows: one endpoint module + ``aviv_caas_auth`` in fresh interpreters, lazy vs eager.

Lazy is the real ``generated/aviv_caas_client``. Eager is the same spec generated in this run
with the generator's stock ``models_init.py.jinja`` (every other custom template kept) into
``build/bench``. A third variant imports only the client's dependencies (httpx, attrs): the
floor no models package can go below. Variants run in fresh interpreters, alternating, after
one discarded warm-up run each; a figure is the median time of the import statement itself,
measured inside the child. Two settings: bytecode cached (as an installed package runs), and
the generated package compiled from source on every start (``PYTHONDONTWRITEBYTECODE``, no
``__pycache__``; the standard library and dependencies keep theirs).

Since issue 21 an endpoint module imports its models (and the client classes) on its first call,
and ``aviv_caas_auth`` every name on first use: ``import.models_loaded`` counts the model modules
loaded once the endpoint's first-call imports ran too (where the eager package loads them all),
and ``import.cached.first_call`` times a fresh start up to the first answer read (import,
``create_client``, one call), against httpx's own, so that what the imports defer shows.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scripts.bench.fixtures import CLASSIFIED_BODY
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.generate import generate
from scripts.paths import GENERATED_PACKAGE, TEMPLATES_DIR

ENDPOINT_MODULE = "aviv_caas_client.api.classifieds.get_classified"
IMPORTED = (ENDPOINT_MODULE, "aviv_caas_auth")
DEPENDENCIES = ("httpx", "attrs")
# The custom templates that make the models package lazy; the eager build goes without them.
LAZY_TEMPLATES = ("models_init.py.jinja",)
COLD_IMPORT_TARGET = Target(0.08)

# Runs in the child (argv: modules to import): times the import statement only, then reports.
CHILD = """
import sys, time
modules = sys.argv[1:]
before = set(sys.modules)
start = time.perf_counter()
for name in modules:
    __import__(name)
seconds = time.perf_counter() - start
import json
endpoint = sys.modules[modules[0]]
if hasattr(endpoint, "_import_referenced"):  # what its first call imports (the models it reads)
    endpoint._import_referenced()
loaded = set(sys.modules) - before
package = sys.modules.get("aviv_caas_client")
print(json.dumps({
    "seconds": seconds,
    "modules": len(loaded),
    "models": sum(name.startswith("aviv_caas_client.models.") for name in loaded),
    "package": getattr(package, "__file__", None),
}))
"""


# Runs in the child (argv: the answer's JSON file, then "typed" or "raw"): a program's start up to its
# first answer read. Typed: import one endpoint and aviv_caas_auth, create_client, one call (token
# included); raw: import httpx and attrs, one httpx request, .json(). Both on a MockTransport.
CHILD_FIRST_CALL = """
import sys, time
start = time.perf_counter()
if sys.argv[2] == "typed":
    import uuid
    import httpx
    import aviv_caas_auth
    from aviv_caas_client.api.classifieds import get_classified
    body = open(sys.argv[1], "rb").read()
    def answer(request):
        if request.url.path == "/oauth/token":
            token = {"access_token": "t", "expires_in": 86400, "token_type": "Bearer"}
            return httpx.Response(200, json=token)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    client = aviv_caas_auth.create_client(
        aviv_caas_auth.CaasCredentials("first-call", "secret", "agency"),
        user_agent="BenchCRM/1.0 aviv-caas/0.1.0 Linux/6.1",
        base_url="https://caas.bench.invalid/caas/v3",
        token_url="https://auth.bench.invalid/oauth/token",
        token_store=aviv_caas_auth.MemoryTokenStore(),
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    parsed = get_classified.sync(uuid.UUID(int=1), client=client)
    assert parsed.classified_id is not None, parsed
else:
    import httpx, attrs
    body = open(sys.argv[1], "rb").read()
    def answer(request):
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    base_url = "https://caas.bench.invalid/caas/v3"
    with httpx.Client(base_url=base_url, transport=httpx.MockTransport(answer)) as raw:
        parsed = raw.get("/classifieds/1", headers={"Authorization": "Bearer t"}).json()
    assert parsed["classifiedId"], parsed
print(time.perf_counter() - start)
"""


def first_call_once(kind: str, answer: Path) -> float:
    """Seconds from a fresh interpreter's first import to its first answer read (``typed`` or ``raw``)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", CHILD_FIRST_CALL, str(answer), kind],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the {kind} first call failed:\n{result.stderr.strip()}")
    return float(result.stdout)


@dataclass(frozen=True)
class Variant:
    """What a fresh interpreter imports, and which generated package it must find (if any)."""

    modules: tuple[str, ...]
    path_entry: Path | None = None


@dataclass(frozen=True)
class ImportRun:
    """What one fresh interpreter reported."""

    seconds: float
    modules: int
    models: int


def build_eager_package(work_dir: Path) -> Path:
    """Generate the spec with the stock models ``__init__`` into ``work_dir``; return its sys.path entry."""
    templates = work_dir / "templates-stock-models-init"
    shutil.rmtree(templates, ignore_errors=True)
    shutil.copytree(TEMPLATES_DIR, templates, ignore=shutil.ignore_patterns(*LAZY_TEMPLATES))
    root = work_dir / "eager"
    generate(work_dir / "eager-build", root / GENERATED_PACKAGE.name, templates=templates)
    return root


def import_once(variant: Variant, *, bytecode: bool) -> ImportRun:
    """Import ``variant.modules`` in a fresh interpreter and report time and modules loaded."""
    env = dict(os.environ)
    if variant.path_entry is not None:
        env["PYTHONPATH"] = str(variant.path_entry)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", CHILD, *variant.modules], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing {', '.join(variant.modules)} failed:\n{result.stderr.strip()}")
    report = json.loads(result.stdout)
    if variant.path_entry is not None:
        expected = variant.path_entry / GENERATED_PACKAGE.name / "__init__.py"
        if report["package"] is None or Path(report["package"]).resolve() != expected.resolve():
            raise RuntimeError(f"imported {report['package']} instead of {expected}")
    return ImportRun(report["seconds"], report["modules"], report["models"])


def compare(ctx: BenchContext, variants: dict[str, Variant], *, bytecode: bool) -> dict[str, list[ImportRun]]:
    """``ctx.import_runs`` alternating fresh imports of each variant, after one warm-up each.

    With ``bytecode`` the warm-up writes the package's ``__pycache__`` and the runs read it;
    without, each generated package is copied without ``__pycache__`` and nothing is written,
    so it compiles from source every time.
    """
    runs: dict[str, list[ImportRun]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="bench-source-") as scratch:
        if not bytecode:
            variants = {
                name: _without_bytecode(variant, Path(scratch) / name) for name, variant in variants.items()
            }
        for variant in variants.values():
            import_once(variant, bytecode=bytecode)
        for _ in range(ctx.import_runs):
            for name, variant in variants.items():
                runs[name].append(import_once(variant, bytecode=bytecode))
    return runs


def _without_bytecode(variant: Variant, destination: Path) -> Variant:
    if variant.path_entry is None:
        return variant
    package = GENERATED_PACKAGE.name
    shutil.copytree(
        variant.path_entry / package, destination / package, ignore=shutil.ignore_patterns("__pycache__")
    )
    return replace(variant, path_entry=destination)


def _median(runs: list[ImportRun]) -> float:
    return statistics.median(run.seconds for run in runs)


ROWS = (
    "import.cached.endpoint+auth",
    "import.cached.vs_dependencies",
    "import.source.endpoint+auth",
    "import.models_loaded",
    "import.cached.first_call",
)
DEPENDENCY_FLOOR_TARGET = Target(1.05, of="ratio")


@benchmark("cold-import", ROWS)
def cold_import(ctx: BenchContext) -> Iterator[Figure]:
    """Lazy vs eager models package (and vs the dependencies alone): import time, modules loaded."""
    packages = {"lazy": GENERATED_PACKAGE.parent, "eager": build_eager_package(ctx.work_dir)}
    variants = {name: Variant(IMPORTED, path_entry) for name, path_entry in packages.items()}
    cached = compare(ctx, {**variants, "deps": Variant(DEPENDENCIES)}, bytecode=True)
    source = compare(ctx, variants, bytecode=False)
    what = "get_classified + aviv_caas_auth"
    eager = "eager models"
    yield Figure(
        row=ROWS[0],
        value=_median(cached["lazy"]),
        unit="s",
        baseline=_median(cached["eager"]),
        baseline_label=eager,
        target=COLD_IMPORT_TARGET,
        note=f"{what}, bytecode cached",
    )
    yield Figure(
        row=ROWS[1],
        value=_median(cached["lazy"]),
        unit="s",
        baseline=_median(cached["deps"]),
        baseline_label=f"import {' + '.join(DEPENDENCIES)} only",
        target=DEPENDENCY_FLOOR_TARGET,
        note=f"{what} (lazy) against the floor set by its dependencies",
    )
    yield Figure(
        row=ROWS[2],
        value=_median(source["lazy"]),
        unit="s",
        baseline=_median(source["eager"]),
        baseline_label=eager,
        note=f"{what}, generated package compiled from source",
    )
    yield Figure(
        row=ROWS[3],
        value=cached["lazy"][0].models,
        unit="modules",
        baseline=cached["eager"][0].models,
        baseline_label=eager,
        note=f"model modules loaded by {what} and the endpoint's first call",
    )
    first = first_calls(ctx)
    yield Figure(
        row=ROWS[4],
        value=statistics.median(first["typed"]),
        unit="s",
        baseline=statistics.median(first["raw"]),
        baseline_label="import httpx + attrs, one raw call + .json()",
        note="a fresh interpreter up to its first answer read: import, create_client (token included), "
        "get_classified.sync; what the imports defer is paid here",
    )


def first_calls(ctx: BenchContext) -> dict[str, list[float]]:
    """``ctx.import_runs`` alternating fresh starts up to the first answer, typed and raw, after a warm-up."""
    runs: dict[str, list[float]] = {"typed": [], "raw": []}
    with tempfile.TemporaryDirectory(prefix="bench-first-call-") as scratch:
        answer = Path(scratch) / "classified.json"
        answer.write_bytes(CLASSIFIED_BODY)
        for kind in runs:
            first_call_once(kind, answer)
        for _ in range(ctx.import_runs):
            for kind, seconds in runs.items():
                seconds.append(first_call_once(kind, answer))
    return runs
