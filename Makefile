# DeepMeme: `make run` (try it) and `make test` (everything CI checks). See README.md.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# llama-cpp-python (the captioner) builds from source: a portable CPU build (no -march=native), no LLaVA.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF

.PHONY: run test bench bench-load lint format deps dev-deps chromium services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

deps: $(BIN)/python
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt

dev-deps: $(BIN)/python
	$(PIP) install -q -r requirements-dev.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt

# make run's embedded mode: SQLite, media on disk, and jobs off the request through kombu's
# filesystem broker (message files under var/celery/), no server to install.
# RUN_DATABASE_URL: the SQLite file (CI's runtime check points it at a scratch folder).
RUN_DATABASE_URL ?= sqlite:///$(CURDIR)/db.sqlite3
RUN_ENV := env DATABASE_URL=$(RUN_DATABASE_URL) CELERY_BROKER_URL=filesystem://localhost/ DEBUG=1

# Fresh machine -> web server, worker and beat on http://127.0.0.1:8000 (`manage.py runlocal`; Ctrl-C stops all).
run: deps
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py loadcaptions
	$(RUN_ENV) $(BIN)/python manage.py demo_user
	@echo "DeepMeme on http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(BIN)/python manage.py runlocal $(HOST):$(PORT)

# Debian's chromium for the Playwright tests (never `playwright install`: nothing is downloaded).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# PostgreSQL and Redis on loopback, started only if they are down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 \
		--port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		pg_isready -h 127.0.0.1 -p 5432
	@for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done; \
		redis-cli -h 127.0.0.1 ping

lint: $(BIN)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/python
	$(BIN)/ruff format .

# Everything under tests/ (ours, tests/ml, tests/api) against real PostgreSQL, Redis, a celery
# worker, moto's S3 server and chromium. pytest's "no tests" (exit 5) fails the target too.
test: dev-deps chromium services
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests

# 50 simulated people for 10 minutes on the whole stack (locust); writes BENCHMARKS.md's load
# section. Separate from `make bench`: it takes 10 minutes. LOAD_SECONDS/LOAD_USERS shrink it.
bench-load: dev-deps services
	$(BIN)/python bench/load.py

# Every bench/bench_*.py; each rewrites its own section of BENCHMARKS.md.
bench: dev-deps services
	@command -v wrk >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done
