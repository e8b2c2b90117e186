# Two commands for a newcomer: `make run` and `make test`. Everything else is here for them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
export CPQ_DATABASE_URL ?= sqlite:///./var/cpq.db
export CPQ_DOCUMENTS_DIR ?= ./var/documents

.PHONY: run test test-sqlite test-postgres test-deep lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

system-deps:
	@bash scripts/system-deps

run: $(STAMP) system-deps
	$(BIN)/cpq migrate
	$(BIN)/cpq demo
	@echo "Admin API key (shown once; send it as 'Authorization: Bearer <key>'):"
	@$(BIN)/cpq keys create --role admin --name "make run" 2>/dev/null | tail -n 1
	$(BIN)/cpq serve --host 127.0.0.1 --port 8000

test: $(STAMP) system-deps lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy app
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	$(BIN)/python scripts/with_postgres.py $(BIN)/python -m pytest

# Schemathesis with every check, a large budget and the stateful phase, on SQLite then PostgreSQL (about 15 min).
test-deep: $(STAMP) system-deps
	$(BIN)/python scripts/schemathesis_run.py --max-examples 300 --phases examples,coverage,fuzzing,stateful
	$(BIN)/python scripts/with_postgres.py $(BIN)/python scripts/schemathesis_run.py --max-examples 100 \
		--phases examples,coverage,fuzzing,stateful

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
