# Two commands for a newcomer: `make run` and `make test`. Everything else is here for them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
export CPQ_DATABASE_URL ?= sqlite:///./var/cpq.db
export CPQ_DOCUMENTS_DIR ?= ./var/documents
# `make run PORT=8080` serves on another port (CPQ_PORT, if set, is the default).
PORT ?= $(or $(CPQ_PORT),8000)
# The documents' translations: the template every locale's catalog is updated from, and the catalogs.
LOCALES := app/documents/locales
POT := $(LOCALES)/messages.pot
EXTRACT := $(BIN)/pybabel -q extract --mapping-file babel.cfg --add-location file \
	--project cpq --version documents --header-comment "\# The documents' messages, from make messages-extract." \
	app/documents pdf_templates

.PHONY: run test test-sqlite test-postgres test-deep lint bench bench-deps system-deps clean \
	messages-extract messages-update messages-check

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
	$(BIN)/cpq serve --host 127.0.0.1 --port $(PORT)

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

# For translators: after a template or app/documents changes its words, `make messages-extract` writes the .pot
# and `make messages-update` merges it into each locale's .po (new words empty, changed ones fuzzy, neither used
# until translated); `make messages-check` fails when the .pot or a .po lags behind the sources.
messages-extract: $(STAMP)
	$(EXTRACT) --output-file $(POT)

messages-update: $(STAMP)
	$(BIN)/pybabel -q update --input-file $(POT) --output-dir $(LOCALES) --previous --ignore-pot-creation-date

messages-check: $(STAMP)
	@pot=$$(mktemp) && trap 'rm -f "$$pot"' EXIT && $(EXTRACT) --output-file "$$pot" \
		&& diff -u -I '^"POT-Creation-Date: ' $(POT) "$$pot" \
		|| { echo "messages-check: $(POT) is out of date: run make messages-extract" >&2; exit 1; }
	@$(BIN)/pybabel -q update --check --input-file $(POT) --output-dir $(LOCALES) --ignore-pot-creation-date \
		2>/dev/null || { echo "messages-check: a .po lags behind $(POT): run make messages-update" >&2; exit 1; }

bench-deps:
	@bash scripts/bench-deps

bench: $(STAMP) system-deps bench-deps
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
