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

.PHONY: run test test-fast test-browser lint format install assets messages compilemessages migrate demo check check-translations clean system-deps

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
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemessages -l es -l fr -l ar --ignore=.venv --ignore=node_modules --ignore=var --ignore='*/tests/*' --ignore=tests --no-obsolete

migrate: install .env
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate
	$(MANAGE) seed_demo

run: demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not browser"

test-browser: install
	$(VENV)/bin/pytest -m browser

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
	rm -rf static/build var/test-media .pytest_cache
