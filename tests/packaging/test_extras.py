"""The command every "missing extra" message gives works (issue 19, item 14): aviv-caas is not on PyPI.

It names where pip installed aviv-caas from (PEP 610's direct_url.json): a checkout, a wheel file, a
git URL at a commit; the forms that work from a checkout or a wheel when pip recorded nothing. The
wheel case is run for real in test_without_extras.py (pip resolves the command); the build hook
lets an editable install of one API version go without the other version's document.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from aviv_caas_auth import extras
from aviv_caas_auth.sandbox.errors import extra_missing
from scripts.build_hook import GeneratedClientHook
from scripts.paths import REPO_ROOT

NOT_ON_PYPI = "pip install 'aviv-caas["


def test_this_checkout_is_named_as_make_install_installed_it() -> None:
    assert extras.install_command("sandbox") == f"pip install -e '{REPO_ROOT}[sandbox]'"


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (
            {"url": "file:///src/aviv-caas", "dir_info": {"editable": True}},
            "pip install -e '/src/aviv-caas[redis]'",
        ),
        ({"url": "file:///src/aviv-caas", "dir_info": {}}, "pip install '/src/aviv-caas[redis]'"),
        (
            {
                "url": "https://git.example.com/you/aviv-caas.git",
                "vcs_info": {"vcs": "git", "commit_id": "4f2a"},
            },
            "pip install 'aviv-caas[redis] @ git+https://git.example.com/you/aviv-caas.git@4f2a'",
        ),
        (
            {"url": "https://files.example.com/aviv_caas-0.1.0-py3-none-any.whl", "archive_info": {}},
            "pip install 'aviv-caas[redis] @ https://files.example.com/aviv_caas-0.1.0-py3-none-any.whl'",
        ),
    ],
    ids=["editable-checkout", "checkout", "git", "remote-wheel"],
)
def test_the_command_follows_where_aviv_caas_came_from(origin: dict[str, Any], expected: str) -> None:
    assert extras._command_for(origin, "redis") == expected


def test_a_wheel_file_is_named_while_it_exists(tmp_path: Path) -> None:
    wheel = tmp_path / "aviv_caas-0.1.0-py3-none-any.whl"
    origin = {"url": wheel.as_uri(), "archive_info": {}}
    assert "is gone" in extras._command_for(origin, "sandbox")
    wheel.write_bytes(b"")
    assert extras._command_for(origin, "sandbox") == f"pip install '{wheel}[sandbox]'"


def test_without_a_record_the_forms_that_work_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "_recorded_origin", lambda: None)
    command = extras.install_command("validation")
    assert "pip install '/path/to/aviv-caas[validation]' from a checkout" in command
    assert "aviv_caas-<version>-py3-none-any.whl[validation]' from a wheel" in command
    assert NOT_ON_PYPI not in command


def test_the_sandbox_s_message_uses_it() -> None:
    message = str(extra_missing(ModuleNotFoundError("No module named 'werkzeug'", name="werkzeug")))
    assert message.endswith(extras.install_command("sandbox"))
    assert NOT_ON_PYPI not in message


def test_an_editable_install_needs_no_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make install API=v4` generates v4 only; the editable build must not generate (or need) v3."""
    from scripts import build_hook

    asked: list[Path] = []
    monkeypatch.setattr(build_hook, "ensure_generated", asked.append)
    hook = types.SimpleNamespace(root=str(tmp_path))
    GeneratedClientHook.initialize(hook, "editable", {})  # type: ignore[arg-type]
    assert asked == []
    GeneratedClientHook.initialize(hook, "standard", {})  # type: ignore[arg-type]  # a wheel: generated first
    assert asked == [tmp_path]
