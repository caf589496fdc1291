# The two commands of the README's quickstart: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/saylau: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/saylau

.PHONY: setup demo test lint bench
setup: $(BIN)/saylau

demo: setup
	$(BIN)/saylau demo

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2 -q

bench: setup
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done
