# The README's two commands: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint types unit unit-fast docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/agileds demo

test: $(DEV_STAMP) lint types unit

lint: $(DEV_STAMP)
	$(BIN)/ruff check agileds tests benchmarks
	$(BIN)/ruff format --check agileds tests benchmarks

types: $(DEV_STAMP)
	$(BIN)/mypy

# AGILEDS_REQUIRE_SERVERS=1: the tests needing PostgreSQL (tests/servers) fail instead of
# skipping when it is unreachable, so `make test` (and CI) can never pass without them.
unit: $(DEV_STAMP)
	AGILEDS_REQUIRE_SERVERS=1 $(BIN)/python -m pytest

# The tests not marked slow (no sweeps, real processes, servers, demo or README tour): a few
# minutes, for the edit-test loop. `make test` still runs everything.
unit-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not slow"

docs: $(STAMP)
	$(BIN)/python -m agileds.cli._docs

clean:
	rm -rf $(VENV) agileds-demo
