# mentorbot: `make run` starts the bot, `make test` checks everything. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
SHOTS := $(VENV)/.screenshots-installed

.PHONY: run test lint demo bench bench-quick install clean screenshots translations

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

## The catalogs (R25): extract the messages from the code into core/locales/mentorbot.pot, update
## core/locales/<locale>/LC_MESSAGES/mentorbot.po (es, pt_BR) and check that each compiles (the .mo
## files are not committed: the bot compiles each .po in memory when it starts).
## Add a language: $(BIN)/pybabel init -D mentorbot -i core/locales/mentorbot.pot -d core/locales -l <locale>
translations: $(DEV)
	$(BIN)/pybabel extract --project=mentorbot --copyright-holder="mentorbot contributors" --no-wrap \
	  --add-location=file --sort-by-file -F core/locales/babel.cfg \
	  -k translate:2 -k translate_plural:2,3 -k translate_in:2c,3 -k N_ -o core/locales/mentorbot.pot .
	$(BIN)/python scripts/command_texts.py core/locales/mentorbot.pot
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -D mentorbot -i core/locales/mentorbot.pot -d core/locales
	$(BIN)/pybabel compile --statistics -D mentorbot -d core/locales
	rm -f core/locales/*/LC_MESSAGES/mentorbot.mo

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
