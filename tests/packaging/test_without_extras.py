"""The wheel without extras: pytest still runs (the plugin loads, imports nothing of the sandbox), and
everything of the sandbox says the command that installs the extra instead of a raw missing module.

That command must work: aviv-caas is not on PyPI, so it names the wheel this venv was installed from
(issue 19, item 14), and pip resolves it. One fresh venv for the module: the session's wheel with no
extra, and this venv's pytest.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.packaging.conftest import fresh_venv, wheel_in

NOT_ON_PYPI = "pip install 'aviv-caas["  # what the messages said: nothing to install on PyPI


@pytest.fixture(scope="module")
def install_extra(dist: Path) -> str:
    """The command the messages must give: the sandbox extra, from the wheel this venv was installed from."""
    return f"pip install '{wheel_in(dist)}[sandbox]'"


@pytest.fixture(scope="module")
def bare_python(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv holding the wheel without extras, and pytest."""
    python = fresh_venv(
        tmp_path_factory.mktemp("bare") / "venv", str(wheel_in(dist)), f"pytest=={pytest.__version__}"
    )
    probe = "import importlib.util as u; print([m for m in ('werkzeug', 'jsonschema', 'jsonpatch') if u.find_spec(m)])"
    assert run(python, "-c", probe).stdout.strip() == "[]"  # really without the extra
    return python


def run(python: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, timeout=300, check=False, cwd=cwd
    )


def pytest_in(python: Path, project: Path, tests: str) -> subprocess.CompletedProcess[str]:
    """Run pytest on a user project holding one test file."""
    project.mkdir()
    (project / "test_user.py").write_text(textwrap.dedent(tests), encoding="utf-8")
    return run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project), cwd=project)


def test_pytest_runs_in_a_project_without_the_sandbox_extra(bare_python: Path, tmp_path: Path) -> None:
    done = pytest_in(
        bare_python,
        tmp_path / "project",
        """
        import sys

        def test_anything(request):
            # the entry point registered the plugin, which imported nothing of the sandbox
            assert request.config.pluginmanager.has_plugin("aviv_caas_auth.sandbox.pytest_plugin")
            loaded = sorted(m for m in sys.modules if m.startswith("aviv_caas_auth.sandbox"))
            assert loaded == ["aviv_caas_auth.sandbox", "aviv_caas_auth.sandbox.pytest_plugin"]
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_fixture_without_the_extra_says_which_extra(
    bare_python: Path, tmp_path: Path, install_extra: str
) -> None:
    done = pytest_in(
        bare_python,
        tmp_path / "project",
        """
        def test_with_the_sandbox(caas_sandbox):
            pass

        def test_without(request):
            pass
        """,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 error" in done.stdout
    assert "the caas_sandbox fixtures cannot run: the local sandbox needs the sandbox extra" in done.stdout
    assert install_extra in done.stdout
    assert NOT_ON_PYPI not in done.stdout


IMPORT_EVERYTHING = """
import importlib, json, pkgutil
import aviv_caas_auth.sandbox as sandbox

outcomes = {}
def attempt(label, load):
    try:
        load()
        outcomes[label] = "ok"
    except ImportError as error:
        outcomes[label] = [type(error).__name__, isinstance(error, ModuleNotFoundError), str(error)]

for module in pkgutil.iter_modules(sandbox.__path__):
    if module.name != "__main__":
        name = f"aviv_caas_auth.sandbox.{module.name}"
        attempt(name, lambda: importlib.import_module(name))
for name in sandbox.__all__:
    attempt(name, lambda: getattr(sandbox, name))
print(json.dumps(outcomes))
"""


def test_every_import_of_the_sandbox_names_the_extra(
    bare_python: Path, tmp_path: Path, install_extra: str
) -> None:
    done = run(bare_python, "-c", IMPORT_EVERYTHING, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout)
    refused = {label: outcome for label, outcome in outcomes.items() if outcome != "ok"}
    for label, (kind, is_module_not_found, message) in refused.items():
        assert (kind, is_module_not_found) == ("SandboxExtraMissingError", True), label
        assert message.startswith("the local sandbox needs the sandbox extra, which is not installed"), label
        assert message.endswith(install_extra), label
    # the package's names need the extra (but the errors, to catch its absence)
    assert {name for name in outcomes if "." not in name and outcomes[name] == "ok"} == {
        "SandboxError",
        "SandboxExtraMissingError",
    }
    for needs_it in ("server", "app", "faults", "operations", "spec", "conformance"):
        assert f"aviv_caas_auth.sandbox.{needs_it}" in refused
    for light in ("pytest_plugin", "samples", "config", "errors", "clock", "report"):
        assert outcomes[f"aviv_caas_auth.sandbox.{light}"] == "ok"


def test_the_server_cli_without_the_extra_says_which_extra(
    bare_python: Path, tmp_path: Path, install_extra: str
) -> None:
    done = run(bare_python, "-m", "aviv_caas_auth.sandbox", "--port", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: the local sandbox needs the sandbox extra")
    assert install_extra in done.stderr
    assert "Traceback" not in done.stderr


MISSING_EXTRAS = """
import json
messages = {}
try:
    from aviv_caas_auth import RedisTokenStore
except ImportError as error:
    messages["redis"] = str(error)
from aviv_caas_auth import validate
try:
    validate({})
except Exception as error:
    messages["validation"] = str(error)
try:
    import aviv_caas_auth.sandbox.server
except ImportError as error:
    messages["sandbox"] = str(error)
try:
    from aviv_caas_auth.budget import MemoryRateBudget
except ImportError as error:
    messages["budget"] = str(error)
try:
    import aviv_caas_auth.celery
except ImportError as error:
    messages["celery"] = str(error)
print(json.dumps(messages))
"""


def test_every_missing_extra_message_gives_a_command_pip_can_run(bare_python: Path, tmp_path: Path) -> None:
    """Each message ends with a pip command; pip resolves it (a dry run: this venv is left as it is)."""
    done = run(bare_python, "-c", MISSING_EXTRAS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    messages = json.loads(done.stdout)
    for command in ([str(bare_python), "-m", "aviv_caas_auth.cli"], [str(bare_python.parent / "aviv-caas")]):
        cli = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, check=False)
        assert cli.returncode == 3, cli.stderr  # a configuration problem, said in one line
        assert "Traceback" not in cli.stderr
        (messages["cli"],) = cli.stderr.strip().splitlines()
    assert sorted(messages) == ["budget", "celery", "cli", "redis", "sandbox", "validation"]
    for extra, message in messages.items():
        assert NOT_ON_PYPI not in message, message
        (command,) = re.findall(r"pip install .*$", message)
        words = shlex.split(command)
        assert words[:2] == ["pip", "install"], message
        assert words[-1].endswith(f"[{extra}]"), message
        resolved = run(bare_python, "-m", "pip", "install", "--dry-run", "--quiet", *words[2:], cwd=tmp_path)
        assert resolved.returncode == 0, (command, resolved.stdout + resolved.stderr)


def test_budgets_and_telemetry_without_their_extras(bare_python: Path, dist: Path) -> None:
    done = run(bare_python, "-c", "from aviv_caas_auth.budget import MemoryRateBudget")
    assert done.returncode == 1
    assert "MemoryRateBudget needs the limits library, which is not installed" in done.stderr
    assert f"pip install '{wheel_in(dist)}[budget]'" in done.stderr  # aviv-caas is not on PyPI
    probe = (
        "import importlib.util as u, aviv_caas_auth.telemetry as t; "
        "print(u.find_spec('opentelemetry') is None, t.tracer() is None)"
    )
    assert run(bare_python, "-c", probe).stdout.strip() == "True True"  # no-op without opentelemetry


def test_the_celery_module_without_its_extra_says_which_extra(bare_python: Path, dist: Path) -> None:
    done = run(bare_python, "-c", "import aviv_caas_auth.celery")
    assert done.returncode == 1
    assert "aviv_caas_auth.celery needs the celery library, which is not installed" in done.stderr
    assert f"pip install '{wheel_in(dist)}[celery]'" in done.stderr  # aviv-caas is not on PyPI
