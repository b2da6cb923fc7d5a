"""The docs site: it builds strictly with no warning, lists every API version's reference, and renders in
headless Chromium (Debian's /usr/bin/chromium, driven by playwright): the home page, the search (typed into,
answering from the index the site ships) and API-reference pages, with no request leaving the loopback
server it is served from."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import BrowserContext, Page, sync_playwright

from scripts.docs_site import packages
from scripts.paths import REPO_ROOT, ApiPaths, api_versions

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Build:
    site: Path
    output: str


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``mkdocs build --strict`` as ``make docs`` runs it, into a temporary site directory."""
    site = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Build(site, done.stdout + done.stderr)


def test_the_build_is_strict_and_says_no_warning(build: Build) -> None:
    assert "WARNING" not in build.output
    assert "Documentation built in" in build.output
    assert (build.site / "index.html").is_file()
    assert (build.site / "search" / "search_index.json").is_file()


def test_make_docs_builds_strictly_into_build_site() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }  # under `make test`
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "docs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    command = done.stdout.splitlines()[-1]
    assert "mkdocs build --strict" in command
    assert "--site-dir build/site" in command


def test_the_site_fetches_nothing_from_the_network(build: Build) -> None:
    config = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False
    assert not any("social" in str(plugin) for plugin in config["plugins"])
    html = (build.site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html
    assert "fonts.gstatic.com" not in html


def test_every_api_version_has_its_reference_pages(build: Build) -> None:
    config = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = str(config["nav"])
    for api in api_versions():
        package = ApiPaths(api).package_name
        for page in ("index", "api", "models"):
            assert f"reference/{package}/{page}.md" in nav, f"mkdocs.yml's nav lacks {package}'s {page} page"
            assert (build.site / "reference" / package / f"{page}.html").is_file()


def test_the_generated_reference_covers_every_endpoint_and_model(build: Build) -> None:
    for package in packages():
        api = (build.site / "reference" / package.name / "api.html").read_text(encoding="utf-8")
        models = (build.site / "reference" / package.name / "models.html").read_text(encoding="utf-8")
        for module in (package.root / "api").rglob("*.py"):
            if module.stem != "__init__":
                assert f"{package.name}.api.{module.parent.name}.{module.stem}" in api
        names = [
            line.split(" import ")[-1].strip(" ()")
            for line in (package.root / "models" / "__init__.py").read_text(encoding="utf-8").splitlines()
            if line.startswith("    from .")
        ]
        assert len(names) > 100
        for name in filter(None, names):
            assert f'id="{name}"' in models, name


@pytest.fixture(scope="module")
def served(build: Build) -> Iterator[str]:
    """The built site on a loopback HTTP server (stopped after the module)."""
    handler = functools.partial(_QuietHandler, directory=str(build.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Browser:
    context: BrowserContext
    requested: list[str]

    def open(self, url: str) -> Page:
        page = self.context.new_page()
        page.goto(url)
        return page


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Chromium with a fresh profile; every URL it requests is recorded."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(
            "/usr/bin/chromium is missing: install Debian's package (apt-get install -y chromium), as .ci/run does",
            pytrace=False,
        )
    profile = tmp_path_factory.mktemp("chromium") / "profile"
    requested: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_FLAGS)
        )
        context.on("request", lambda request: requested.append(request.url))
        yield Browser(context, requested)
        context.close()


def test_the_home_page_renders(chromium: Browser, served: str) -> None:
    page = chromium.open(f"{served}/index.html")
    assert "aviv-caas" in page.title()
    assert page.locator("article h1").first.inner_text().strip().rstrip("¶") == "aviv-caas"
    assert page.locator("nav.md-nav--primary").get_by_text("Getting started").count() >= 1
    assert page.locator("article table").count() >= 1
    page.close()


def test_the_search_box_finds_a_guide(chromium: Browser, served: str) -> None:
    page = chromium.open(f"{served}/index.html")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("FileTokenStore")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=30_000)
    assert results.count() >= 1
    links = [
        results.nth(index).locator("a").first.get_attribute("href") or "" for index in range(results.count())
    ]
    assert any("guides/authentication.html" in link for link in links), links
    page.close()


def test_an_api_reference_page_renders(chromium: Browser, served: str) -> None:
    page = chromium.open(f"{served}/reference/aviv_caas_auth.html")
    headings = page.locator(".doc-heading")
    assert headings.count() > 20
    assert page.locator("#aviv_caas_auth.create_client, [id='aviv_caas_auth.create_client']").count() == 1
    page.close()
    page = chromium.open(f"{served}/reference/aviv_caas_client/api.html")
    assert page.get_by_text("get_classifieds", exact=False).count() >= 1
    page.close()


def test_no_request_left_the_loopback_server(chromium: Browser, served: str) -> None:
    chromium.open(f"{served}/guides/errors.html").close()
    assert chromium.requested, "the browser requested nothing"
    assert [url for url in chromium.requested if not url.startswith((served, "data:", "blob:"))] == []
