# Two commands for a fresh machine: `make run` and `make test`. Everything else is here too.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= demo-pass-2026
# The development server runs with debug on (and so can load demo data); production sets
# its own environment and never uses these targets.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

.PHONY: install run test test-fast lint format migrate messages worker beat periodic serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

run: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo --password '$(DEMO_PASSWORD)'
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest -n auto -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -x -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	DJANGO_DEBUG=true $(PY) manage.py makemessages -l zh_Hans -l zh_Hant --no-obsolete \
		--ignore='.venv/*' --ignore='tests/*' --ignore='staticfiles/*' --ignore='*/migrations/*'
	DJANGO_DEBUG=true $(PY) manage.py compilemessages --ignore='.venv/*'

worker: install
	$(VENV)/bin/celery -A backoffice worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install
	$(VENV)/bin/celery -A backoffice beat --loglevel=INFO

periodic: install
	$(PY) manage.py run_periodic_jobs

serve: install
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn backoffice.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
