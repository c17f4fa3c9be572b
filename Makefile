# leheranalysis: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
LEHER := $(VENV)/bin/leher
STAMP := $(VENV)/.installed
# a local mirror of the public data, used when it exists (upstream download otherwise)
MIRROR ?= $(wildcard ../shared/data)

.PHONY: setup demo test data bench lint format clean-reports help

help:
	@echo "make demo   - set up, fetch public data, build the demo report suite"
	@echo "make test   - set up and run the whole test suite"
	@echo "make setup  - create .venv and install the package (idempotent)"
	@echo "make data   - fetch and verify the public data"
	@echo "make bench  - run the benchmarks and print the numbers"
	@echo "make lint   - ruff"
	@echo "make clean-reports - remove generated reports and figures"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

data: setup
	$(LEHER) data fetch $(if $(MIRROR),--mirror $(MIRROR),)

demo: setup
	$(LEHER) demo $(if $(MIRROR),--mirror $(MIRROR),)

test: setup
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax

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
