# mentorbot: `make run` starts the bot, `make test` checks everything. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
SHOTS := $(VENV)/.screenshots-installed

.PHONY: run test lint demo bench bench-quick install clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME)

install: $(DEV)

## Start the bot (SQLite by default; DISCORD_TOKEN from the environment or .env).
run: $(RUNTIME)
	$(BIN)/mentorbot run

## Lint, type-check and run every test (PostgreSQL tests too when TEST_DATABASE_URL is set).
test: lint
	$(BIN)/pytest

## Lint, format check, types, the import contracts (pyproject, [tool.importlinter]) and module sizes.
lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core bot
	$(BIN)/lint-imports --no-logo
	$(BIN)/python scripts/module_sizes.py bot core

## The whole story on a simulated Discord: no token, no network.
demo: $(DEV)
	$(BIN)/mentorbot demo

## Benchmarks against their targets (minutes); writes bench/results.json.
bench: $(DEV)
	$(BIN)/python -m bench

bench-quick: $(DEV)
	$(BIN)/python -m bench --quick

$(SHOTS): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet -e '.[dev,screenshots]'
	touch $@

## Screenshots of what the admin, a mentor and a student see, under docs/screenshots/ (SimCord's
## preview and Debian's chromium, which the script installs with apt-get when it may).
screenshots: $(SHOTS)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
