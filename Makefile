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

.PHONY: install run test test-fast lint format migrate messages worker beat periodic serve clean \
	bench reliability reliability-short

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

# Benchmarks and reliability tests need the real services (PostgreSQL on 127.0.0.1:5432, Redis on
# 127.0.0.1:6379); they only ever talk to 127.0.0.1, are bounded and stop by themselves.
# BENCH_DATABASE_URL names a scratch database whose name contains "bench" (it is emptied).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/backoffice_bench
BENCH_CUSTOMERS ?= 1000000

bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/bench_http.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/bench_scale.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/benchmarks/bench_education.py \
		--customers $(BENCH_CUSTOMERS)

reliability: install
	$(PY) -m pytest tests/reliability -p no:cacheprovider -o python_files='rel_*.py' -v

reliability-short: install
	RELIABILITY_SHORT=1 $(PY) -m pytest tests/reliability -p no:cacheprovider \
		-o python_files='rel_*.py' -v

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
