"""`make demo` runs the whole client, CaaS v3 then v4, against the embedded sandbox and reports compliant token reuse."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aviv_caas_auth.apis import PACKAGES, base_urls
from scripts import demo
from scripts.paths import REPO_ROOT

STRICTLY = r" \(strict, without the 1 h refresh grace: compliant\)"  # the report's strict figure
V3_STEPS = (
    "publish: created (sync)",
    "its statuses until CREATED",
    "publish again: updated (If-Match)",
    "read it with its ETag",
    "attach a media (async)",
    "publish_many: two more",
    "iter_classifieds, 1 per page",
    "delete them (async)",
)
V4_STEPS = (
    "publish with one picture: created",
    "its statuses until CREATED",
    "publish again: 2 pictures, reordered",
    "read it with its ETag",
    "publish_many: two more (one bad picture)",
    "iter_classifieds, 1 per page",
    "delete them (async)",
)


# Run the demo with v3's generated package unimportable, as in a clone that only has v4's document.
WITHOUT_V3 = """
import runpy, sys

class NoV3:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "aviv_caas_client":
            raise ModuleNotFoundError(f"No module named {name!r} (v3 not generated)", name=name)
        return None

sys.meta_path.insert(0, NoV3())
sys.argv = ["scripts.demo", *sys.argv[1:]]
runpy.run_module("scripts.demo", run_name="__main__", alter_sys=True)
"""


def run_demo(*args: str, without_v3: bool = False, **env_vars: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVIV_")} | env_vars
    start = ["-c", WITHOUT_V3] if without_v3 else ["-m", "scripts.demo"]
    result = subprocess.run(
        [sys.executable, *start, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def section(out: str, api: str) -> str:
    """The lines of one version's run."""
    start = out.index(f"CaaS {api} (")
    end = out.find("\nCaaS ", start + 1)
    return out[start : end if end > 0 else len(out)]


def test_demo_runs_both_versions_offline_each_compliant() -> None:
    out = run_demo()
    v3, v4 = section(out, "v3"), section(out, "v4")
    assert out.index("CaaS v3 (aviv_caas_client)") < out.index("CaaS v4 (aviv_caas_client_v4)")
    assert [step for step in V3_STEPS if step not in v3] == []
    assert [step for step in V4_STEPS if step not in v4] == []
    for part in (v3, v4):
        assert "RECEIVED -> CREATING -> CREATED" in part
        assert 'ETag "2", price 829000 EUR' in part
        assert "3 listed, ours 3/3" in part
    assert "/sandbox/caas/v3/" in v3
    assert "/sandbox/caas/v4/" in v4
    # the single calls print their traceparent (workflow steps make several calls): v4 attaches no media
    assert v3.count("traceparent 00-") == 4
    assert v4.count("traceparent 00-") == 3
    assert "845000 -> 829000 EUR, UPDATED" in v3
    assert "created CREATED, created CREATED" in v3
    # v4: the picture inside the classified, reported in the final status's mediaStatuses
    assert "CREATED, media: sejour.jpg CREATED" in v4
    assert "845000 -> 829000 EUR, UPDATED, media: balcon.jpg CREATED, sejour.jpg UPDATED" in v4
    assert "media in display order: balcon.jpg, sejour.jpg" in v4
    assert "created CREATED, created CREATED_WITH_MEDIA_ERROR; DOWNLOADING_FAILED" in v4
    assert "customer care" in v4  # the library's warning and the step both say what to do
    # each version ends in its verdict; the run in the report of both, on one token per version
    for api, part in (("v3", v3), ("v4", v4)):
        assert f"token requests made by this process for {api}: 1" in part
        assert re.search(
            rf"token-reuse report, {api}: 1 token request for \d+ API calls — compliant{STRICTLY}", part
        )
    assert re.search(
        rf"token-reuse report, v3 and v4: 2 token requests for \d+ API calls — compliant{STRICTLY}\n$", out
    )


def test_demo_api_v4_runs_v4_only(tmp_path: Path) -> None:
    """Without v3's package nor its document (issue 19, item 14): `make demo API=v4` needs only v4's."""
    out = run_demo("--api", "v4", without_v3=True, CAAS_SPEC=str(tmp_path / "no-v3-document.json"))
    assert "CaaS v3" not in out
    assert "/caas/v3" not in out
    assert "publish with one picture: created" in out
    assert re.search(
        rf"token-reuse report, v4: 1 token request for \d+ API calls — compliant{STRICTLY}\n$", out
    )


def test_make_demo_api_v4_generates_and_runs_v4_only() -> None:
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo", "API=v4"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")},
    ).stdout
    assert "-m scripts.generate --if-changed --api v4\n" in planned
    assert "-m scripts.demo --api v4\n" in planned


def test_demo_targets_avivs_sandbox_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVIV_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("AVIV_CLIENT_ID", "my-client")
    monkeypatch.setenv("AVIV_CLIENT_SECRET", "my-secret")
    monkeypatch.setenv("AVIV_INTERMEDIARY_ID", "my-agency")
    with demo.target(list(PACKAGES)) as (where, make_client, _report):
        assert "AVIV's sandbox" in where
        for api in PACKAGES:
            client = make_client(api)  # built, not called: no network in tests
            assert type(client).__module__ == f"{PACKAGES[api]}.client"
            assert str(client.get_httpx_client().base_url) == base_urls(api)["sandbox"] + "/"
            assert base_urls(api)["sandbox"] in where


def test_demo_bodies_are_valid_typed_requests_of_each_version() -> None:
    from aviv_caas_auth.validation import validate

    body = demo.apartment("ref-1", price=1)
    assert body["data"]["prices"]["buy"]["price"]["amount"] == 1
    assert validate(body, api="v3") == []
    with_media = demo.apartment("ref-1", media=demo.pictures("run", reverse=True))
    assert [m["category"] for m in with_media["media"]] == ["BALCONY", "LIVING_ROOM"]
    assert validate(with_media, api="v4") == []
    assert [e.name for e in validate(with_media, api="v3")] == ["/media"]  # v3 has no inline media
