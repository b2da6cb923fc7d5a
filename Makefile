# aviv-caas: every target works from a fresh clone; each depends on what it needs.
#   make demo      the whole client against the embedded local sandbox, CaaS v3 then v4, each ending in
#                  its token-reuse verdict (see scripts/demo.py); API=v4 runs one version
#   make install   venv (.venv), pinned deps, spec check, generation, editable install
#   make test      install + lint + the test suite (what CI runs)
#   make test-quick  lint + the tests not marked `slow` (about a minute on two cores; docs/contributing.md)
#   make docs      the docs site into build/site (MkDocs, strict: any warning fails; offline)
#   make docs-serve  the docs site on http://127.0.0.1:8000, rebuilt on every change
#   make release VERSION=x.y.z [DRY_RUN=1]
#                  checks (version rule, clean tree), tests, version + CHANGELOG, sdist + wheel, twine check,
#                  commit and tag (scripts/release.py); DRY_RUN=1 prints the steps, builds and checks in a copy
#   make spec      check AVIV's documents against openapi/<api>/pin.toml and write the patched copies
#   make generate  regenerate the clients (v3: generated/aviv_caas_client, v4: generated/aviv_caas_client_v4)
#                  from the patched specs
#   make update-spec CAAS_SPEC=/path/to/new.json [API=v3|v4] [ALLOW_SAME_VERSION=1] [ALLOW_DOWNGRADE=1]
#                  adopt AVIV's new document: check it, print and save the API change report,
#                  re-pin, regenerate (the previous package stays in build/<api>/previous/).
#                  Needs only the venv: a wrong pin (this version's or another's) never stops it,
#                  since it is how a pin is fixed. ALLOW_SAME_VERSION=1 adopts a document with the
#                  pinned version but other content; ALLOW_DOWNGRADE=1 an older one.
#   make lint      ruff + mypy --strict on the hand-written code and the generated clients
#   make dist      sdist + wheel (hand-written and generated code) into build/dist
#   make bench     print the performance figures of issue 7 (ratios to baselines measured in the same run);
#                  BENCH_ARGS=--quick for a smoke run, BENCH_ARGS=--list for the rows
#   make clean     remove everything the build made
# Each API version's document is read from one variable, CAAS_SPEC for v3 and CAAS_SPEC_V4 for v4
# (default: the default_path of openapi/<api>/pin.toml), e.g.
#   make install CAAS_SPEC=/path/to/aviv-classified-api-v3.1.3.json CAAS_SPEC_V4=/path/to/aviv-classified-api-v4.0.2.json
# API=v3 (or v4) limits spec/generate/install/demo to one version (default: every version under openapi/),
# so `make demo API=v4` needs only v4's document.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP_VERSION := 26.0.1
DEPS_STAMP := $(VENV)/.deps-installed
INSTALL_STAMP := $(VENV)/.project-installed
PYTEST_ARGS ?=
BENCH_ARGS ?=
API ?=
API_ARG = $(if $(API),--api $(API))
is_set = $(filter 1 yes true,$(1))
UPDATE_SPEC_ARGS = --api $(or $(API),v3) $(if $(call is_set,$(ALLOW_SAME_VERSION)),--allow-same-version) \
	$(if $(call is_set,$(ALLOW_DOWNGRADE)),--allow-downgrade)

ifneq ($(filter update-spec,$(MAKECMDGOALS)),)
# In `make update-spec`, CAAS_SPEC names the NEW document; the pinned one keeps its usual location.
NEW_SPEC := $(CAAS_SPEC)
unexport CAAS_SPEC
else ifdef CAAS_SPEC
export CAAS_SPEC
endif

DIST_DIR := build/dist

SITE_DIR := build/site
# Material prints a banner about MkDocs 2.0 on every build; the docs build must print no warning.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: install deps spec generate ensure-generated update-spec test test-quick lint bench clean demo dist \
	docs docs-serve release

$(DEPS_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --group dev
	@touch $@

deps: $(DEPS_STAMP)

spec: $(DEPS_STAMP)
	$(PY) -m scripts.prepare_spec $(API_ARG)

generate: $(DEPS_STAMP)
	$(PY) -m scripts.generate $(API_ARG)

ensure-generated: $(DEPS_STAMP)
	$(PY) -m scripts.generate --if-changed $(API_ARG)

$(INSTALL_STAMP): $(DEPS_STAMP) pyproject.toml
	$(PY) -m pip install --quiet --editable '.[redis,sandbox,budget,otel,cli,celery]'
	@touch $@

install: ensure-generated $(INSTALL_STAMP)

# Not `install`: its generation checks every pin, and a wrong pin is what update-spec repairs.
update-spec: $(DEPS_STAMP)
	@test -n "$(NEW_SPEC)" || { echo "usage: make update-spec CAAS_SPEC=/path/to/new.json [API=v3]" >&2; exit 2; }
	$(PY) -m scripts.update_spec $(strip $(UPDATE_SPEC_ARGS)) "$(NEW_SPEC)"

lint: install
	$(BIN)/ruff check aviv_caas_auth scripts tests
	$(BIN)/ruff format --check aviv_caas_auth scripts tests
	$(BIN)/mypy
	$(BIN)/mypy --strict $(patsubst %/__init__.py,%,$(wildcard generated/*/__init__.py))

demo: install
	$(PY) -m scripts.demo $(API_ARG)

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The tests marked `slow` (tests/conftest.py lists them) are left out; `make test` runs everything.
test-quick: install lint
	$(PY) -m pytest -m "not slow" -q $(PYTEST_ARGS)

docs: install
	$(MKDOCS) build --strict --clean --site-dir $(SITE_DIR)

docs-serve: install
	$(MKDOCS) serve --strict --dev-addr 127.0.0.1:8000

release: install
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z [DRY_RUN=1]" >&2; exit 2; }
	$(PY) -m scripts.release $(if $(call is_set,$(DRY_RUN)),--dry-run) "$(VERSION)"

dist: install
	rm -rf $(DIST_DIR)
	$(PY) -m build --no-isolation --outdir $(DIST_DIR) .
	@ls -1 $(DIST_DIR)

bench: install
	$(PY) -m scripts.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build $(wildcard generated/*/) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
