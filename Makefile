# The two commands of the README: `make run` and `make test`. Both set up a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo lint format check prod-check e2e messages clean \
	screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

.env:
	cp .env.example .env

migrate: install .env
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# One pytest process per core (pytest-xdist), each with its own test database. Tests are
# handed out in collection order, so on each process the transactional ones (which empty
# the database, vocabularies included) still run after all the others, as pytest-django
# orders them. PYTEST_WORKERS=0 runs them all in this one process.
PYTEST_WORKERS ?= auto

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production settings pass Django's deployment checks, and the compose file follows the
# Compose specification (its JSON schema ships inside check-jsonschema: no network needed).
prod-check: install
	env -u DATABASE_URL -u SECURE_SSL_REDIRECT DEBUG=0 SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		ALLOWED_HOSTS=registry.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# Browser tests: Debian's chromium and axe-core from npm (never `playwright install`).
e2e: install
	$(BIN)/python -m pytest -m e2e tests/e2e

# Screenshots of the main pages under docs/screenshots/ (a throw-away SQLite database with
# the demo catalogue; Debian's chromium driven by Playwright, never `playwright install`).
screenshots: install
	$(BIN)/python scripts/screenshots.py

# Refresh the translation catalogues, then translate the new entries before compiling.
messages: install
	$(BIN)/python manage.py makemessages -l es -l zh_Hans --ignore=.venv --ignore=tests \
		--ignore=benchmarks --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

check: install .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
