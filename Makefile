# Maillon: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test api-contract client-smoke audit lock lint rules-doc bench bench-rls bench-registry bench-expiry bench-evaluate \
	bench-reports bench-api report-screenshots messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# axe-core, pinned in package-lock.json, for the browser tests' accessibility run.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

test: install $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

# The API's schema as a contract: schemathesis, bounded, on the database the environment names.
api-contract: install
	$(PY) -m pytest -m api_contract tests/api_contract $(PYTEST_ARGS)

# The Python client openapi-python-client generates from the schema: every module imports, and the
# integration of the README's guide runs on it against a live server (the generator's output is shown).
client-smoke: install
	$(PY) -m pytest -m client_smoke tests/client_smoke -s $(PYTEST_ARGS)

# Known vulnerabilities of the locked dependencies; says plainly when the advisory database is out of reach.
audit: install
	$(PY) .ci/dependency_audit.py requirements.lock

# requirements.lock: every dependency (dev included) pinned with its hashes, from pyproject.toml.
lock: install
	$(PY) -m piptools compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# The README's "How Maillon decides" section, from the engine's finding catalogue.
rules-doc: install
	$(PY) -m compliance.conformity.catalogue_doc README.md

# ruff, then the import-linter contracts of pyproject.toml (which package may import which).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=".venv/*" --ignore="var/*" --ignore="tests/*" --ignore="bench/*"
	$(PY) manage.py compilemessages -l en --ignore=".venv/*"

# Every benchmark in turn, each with its default size (long: see bench/README.md).
bench: bench-rls bench-registry bench-expiry bench-evaluate bench-reports bench-api

bench-rls: install
	$(PY) bench/rls.py $(BENCH_ARGS)

bench-registry: install
	$(PY) bench/registry_import.py $(BENCH_ARGS)

bench-expiry: install
	$(PY) bench/expiry_scan.py $(BENCH_ARGS)

bench-evaluate: install
	$(PY) bench/evaluate.py $(BENCH_ARGS)

bench-reports: install
	$(PY) bench/reports.py $(BENCH_ARGS)

# The README's pictures of the first pages of the conformity dossier and the register (demo data).
report-screenshots: install
	$(PY) docs/report_screenshots.py

# The hot API reads and pages as ratios to a bare DRF view (PostgreSQL and wrk; see bench/README.md).
bench-api: install
	$(PY) bench/api.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static
