# leheranalysis: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
LEHER := $(VENV)/bin/leher
STAMP := $(VENV)/.installed
# a local mirror of the public data, used when it exists (upstream download otherwise)
MIRROR ?= $(wildcard ../shared/data)

.PHONY: setup lock lock-upgrade test-latest demo test data bench lint format clean-reports help

help:
	@echo "make demo   - set up, fetch public data, build the demo report suite"
	@echo "make test   - set up and run the whole test suite"
	@echo "make setup  - create .venv, install requirements.lock and the package (idempotent)"
	@echo "make lock   - refresh requirements.lock from pyproject.toml (keeps the pins it can)"
	@echo "make lock-upgrade - move requirements.lock to the newest releases"
	@echo "make test-latest - the suite on the newest releases (separate .venv-latest)"
	@echo "make data   - fetch and verify the public data"
	@echo "make bench  - run the benchmarks and print the numbers"
	@echo "make lint   - ruff"
	@echo "make clean-reports - remove generated reports and figures"

# The environment is installed from requirements.lock: exact versions and sha256 hashes of
# every package (runtime, test, the build backend and the installer uv), made by `make lock`.
# uv installs it in seconds; INSTALLER=pip (or a machine where uv cannot be installed) takes
# the plain pip path from the same lock (`pip install --require-hashes`).
LOCK := requirements.lock
INSTALLER ?= uv
UV := $(VENV)/bin/uv
LOCK_PYTHON := 3.11.5
LOCK_ARGS := pyproject.toml requirements-tools.in --extra test --universal \
	--python-version $(LOCK_PYTHON) --generate-hashes --custom-compile-command "make lock" \
	--quiet -o $(LOCK)

# the installer, with the version and hashes the lock gives it, installed once per machine
# and version by the system Python's pip into the user's cache folder (a new checkout then
# starts at once); the venv itself is made without pip: uv installs pip from the lock
UV_VERSION := $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' $(LOCK))
UV_HOME := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/leheranalysis/uv-$(UV_VERSION)

$(UV):
	@test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	@if ! test -x $(UV_HOME)/bin/uv; then \
	  mkdir -p $(dir $(UV_HOME)) && \
	  awk '/^uv==/ {p = 1; print; next} p && /^ / {print; next} {p = 0}' $(LOCK) \
	    > $(VENV)/uv-requirement.txt && \
	  tmp=$$(mktemp -d $(UV_HOME).XXXXXX) && \
	  $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	    --require-hashes --no-deps --target $$tmp -r $(VENV)/uv-requirement.txt && \
	  { mv -T $$tmp $(UV_HOME) 2>/dev/null || rm -rf $$tmp; }; \
	fi
	ln -sf $(UV_HOME)/bin/uv $(UV)

$(STAMP): pyproject.toml $(LOCK)
	@if [ "$(INSTALLER)" = uv ] && $(MAKE) --no-print-directory $(UV); then \
	  echo "installing $(LOCK) with uv"; \
	  $(UV) pip sync --quiet --compile-bytecode --python $(PY) --require-hashes $(LOCK) && \
	  $(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e . ; \
	else \
	  echo "installing $(LOCK) with pip"; \
	  { test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV); } && \
	  { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --default-pip >/dev/null; } && \
	  $(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK) && \
	  $(PY) -m pip install --quiet --no-deps --no-build-isolation -e . ; \
	fi
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# byte-compiled once here: every report kernel and command then starts without
	@# compiling (uv does not compile by default; PYTHONDONTWRITEBYTECODE=1 stops Python
	@# from caching what it compiles at run time)
	@$(PY) -m compileall -q -j 0 src
	@touch $(STAMP)

setup: $(STAMP)

# refresh the lock after a change of pyproject.toml, keeping every pin it can;
# `make lock-upgrade` moves every package to its newest release (then run `make test`)
lock: | $(UV)
	$(UV) pip compile $(LOCK_ARGS)

lock-upgrade: | $(UV)
	$(UV) pip compile $(LOCK_ARGS) --upgrade

# the suite on the newest releases of every dependency, in a separate venv (.venv-latest),
# past the upper bounds of pyproject.toml that latest-overrides.txt lifts: shows whether
# the lock can be moved forward (then `make lock-upgrade`)
LATEST := .venv-latest
test-latest: | $(UV)
	@test -x $(LATEST)/bin/python || $(PYTHON) -m venv --without-pip $(LATEST)
	$(UV) pip install --quiet --python $(LATEST)/bin/python --upgrade \
	  --override latest-overrides.txt -e '.[test]' pip setuptools wheel
	$(LATEST)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(UV) pip list --python $(LATEST)/bin/python --format freeze \
	  | grep -iE '^(numpy|pandas|scipy|geopandas|shapely|pyarrow|matplotlib)=='
	$(LATEST)/bin/python -m pytest $(PYTEST_ARGS)

data: setup
	$(LEHER) data fetch $(if $(MIRROR),--mirror $(MIRROR),)

demo: setup
	$(LEHER) demo $(if $(MIRROR),--mirror $(MIRROR),)

# the suite as `make test` and `make test-latest` run it
PYTEST_ARGS := -n 2 --dist loadfile --nbval-lax

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/run_all.py

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks notebooks

format: setup
	$(VENV)/bin/ruff check --fix src tests benchmarks notebooks
	$(VENV)/bin/ruff format src tests benchmarks notebooks

clean-reports:
	rm -rf reports figures/*/
