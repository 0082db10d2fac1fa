# E-Citizen: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist processes for the tests without a browser (the browser tests run in one process).
TEST_WORKERS ?= 2
# Instants at which `make test-clocks` runs the tests without a browser, in Europe/London: a
# Saturday at 00:30 BST (still Friday in UTC), 23:30 on New Year's Eve, 29 February, and the
# nights the clocks go forward (2027-03-28, 01:00 GMT) and back (2027-10-31, 02:00 BST).
PINNED_CLOCKS ?= 2027-06-05T00:30:00+01:00 2026-12-31T23:30:00+00:00 2028-02-29T12:00:00+00:00 \
  2027-03-28T00:30:00+00:00 2027-10-31T01:30:00+01:00
TIME_ZONE_FOR_CLOCKS ?= Europe/London
# `run_pytest ARGS`: pytest, saying so loudly when the selection collects no test (exit code 5, a failure).
RUN_PYTEST = run_pytest() { $(VENV)/bin/pytest "$$@"; rc=$$?; \
  if [ $$rc -eq 5 ]; then echo "pytest $$*: no tests were collected; that is a failure." >&2; fi; return $$rc; };

.PHONY: run test test-fast test-browser test-clocks print-clocks test-contract mutation lint format install assets messages compilemessages migrate demo check check-translations clean system-deps

$(VENV)/.installed: requirements.lock
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(PIP) install --quiet --require-hashes -r requirements.lock 2>&1 | { grep -v '^WARNING: Location' || true; }
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

static/build/app.css: node_modules/.installed assets/build.mjs $(wildcard assets/scss/*.scss assets/js/*)
	node assets/build.mjs

.env: | $(VENV)/.installed
	@echo "Creating .env with fresh development keys (see .env.example)."
	@DJANGO_SETTINGS_MODULE= SECRET_KEY=bootstrap FIELD_ENCRYPTION_KEYS=k0:$$(head -c 32 /dev/zero | base64) BLIND_INDEX_KEY=x \
	  $(PY) -c "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='config.settings.test';django.setup();from django.core.management import call_command;call_command('generate_keys')" > .env

system-deps:
	@bash scripts/system-deps.sh

install: system-deps $(VENV)/.installed static/build/app.css compilemessages

compilemessages: $(VENV)/.installed
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
	  DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0; \
	fi

messages: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemessages -l es -l fr -l ar --ignore=.venv --ignore=node_modules --ignore=var --ignore=mutants --ignore='*/tests/*' --ignore=tests --no-obsolete

migrate: install .env
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate
	$(MANAGE) seed_demo

# The web server, a task worker, the scheduler and the demo's log witness, under one supervisor
# (scripts/run-dev.py): their output prefixed, Ctrl-C stops them all. Links sent out (emails, QR codes, the JWKS address) use
# SITE_URL: here http://HOST:PORT, for the demo it seeds too, unless SITE_URL is set (environment or .env).
ifeq ($(origin SITE_URL),undefined)
ifeq ($(shell grep -qs '^SITE_URL=.' .env && echo set),)
run: export SITE_URL = http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
endif
endif
run: demo
	@echo "Serving http://$(HOST):$(PORT)/ with a task worker, the scheduler and the log's demo witness (Ctrl-C stops them all)"
	$(PY) scripts/run-dev.py --host $(HOST) --port $(PORT)

test: test-fast test-contract test-browser

test-fast: install
	@$(RUN_PYTEST) run_pytest -n $(TEST_WORKERS) -m "not browser and not contract"

# schemathesis over every operation of /api/openapi.json; once per CI run (it does not depend on the database).
test-contract: install
	@$(RUN_PYTEST) run_pytest -p no:xdist -m contract

# One process: the browser tests share the live server and Chromium.
test-browser: install
	@$(RUN_PYTEST) run_pytest -p no:xdist -m browser

# The tests without a browser, once at each of PINNED_CLOCKS (the clock ticks on from there).
test-clocks: install
	@$(RUN_PYTEST) export TIME_ZONE=$(TIME_ZONE_FOR_CLOCKS); failed=""; \
	for clock in $(PINNED_CLOCKS); do \
	  echo "=== Tests at $$clock ($$TIME_ZONE)"; \
	  run_pytest -n $(TEST_WORKERS) -m "not browser and not contract" -q --pinned-clock=$$clock || failed="$$failed $$clock"; \
	done; \
	if [ -n "$$failed" ]; then echo "Tests failed at:$$failed" >&2; exit 1; fi

# The instants, for .ci/run: it runs the first on PostgreSQL and the others on SQLite.
print-clocks:
	@echo $(PINNED_CLOCKS)

# Mutation testing (mutmut; the files and tests are in pyproject.toml, [tool.mutmut]) of the money code
# and the services that move it, in a scratch copy (var/mutation/); prints the score of each file.
# About an hour on two cores, so not part of CI. One file: make mutation MUTANTS='ecitizen.core.money.*'
mutation: $(VENV)/.installed
	$(PY) scripts/mutation.py $(foreach m,$(MUTANTS),'$(m)')

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(MAKE) lint

# Every translatable string in the code is in the catalogues and translated. It regenerates
# the catalogues (CI runs it on a throwaway clone), so commit after `make messages` instead.
check-translations: $(VENV)/.installed
	$(MAKE) messages
	@for lang in es fr ar; do \
	  po=locale/$$lang/LC_MESSAGES/django.po; \
	  missing=$$(msgattrib --untranslated --no-obsolete $$po; msgattrib --only-fuzzy --no-obsolete $$po); \
	  if [ -n "$$missing" ]; then echo "$$po has strings to translate:"; echo "$$missing" | grep '^msgid' ; exit 1; fi; \
	done; echo "Every message is translated in es, fr and ar."

clean:
	rm -rf static/build var/test-media var/mutation mutants .pytest_cache
