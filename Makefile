# The README's quickstart: `make demo` (runtime only), `make serve`, `make test` (+ dev tools).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the demo needs the runtime dependencies only; tests, lint and benchmarks add
# the dev extras (Playwright, DuckDB, mypy, ruff, pytest, Hypothesis, schemathesis).
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
DEMO_DB := saylau-demo.db

$(BIN)/python:
	@echo "==> creating the virtual environment $(VENV)"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	@echo "==> installing saylau and its runtime dependencies into $(VENV) (first time: a minute or two)"
	$(BIN)/pip install --progress-bar on -e .
	touch $@

$(DEV): pyproject.toml $(RUNTIME)
	@echo "==> installing the dev tools into $(VENV) (pytest, Playwright, DuckDB, mypy, ruff, ...)"
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $@

.PHONY: install setup demo serve test lint bench
install: $(RUNTIME)
setup: $(DEV)

demo: $(RUNTIME)
	@echo "==> building $(DEMO_DB) (synthetic protocols of the 2021 Majilis election)"
	$(BIN)/saylau demo --db $(DEMO_DB)

serve: $(RUNTIME)
	@test -f $(DEMO_DB) || $(BIN)/saylau demo --db $(DEMO_DB)
	$(BIN)/saylau serve $(DEMO_DB)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2 -q

bench: setup
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done
