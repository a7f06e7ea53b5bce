# Timeback: the project's commands. Works on a fresh Debian 12 machine, as root or not.
#
#   make run        the demo on http://127.0.0.1:8000/ (PORT=8001 for another port): starts the
#                   embedded PostgreSQL (data in var/pg), migrates, collects static files, seeds
#                   the demo, serves; Ctrl-C stops the web server and the database
#   make stop       stop the embedded PostgreSQL of var/pg (if a manage.py command left it running)
#   make test       the whole suite (CI): throwaway embedded PostgreSQL + Redis, integration
#                   tests with real celery workers, browser tests, the official clients
#   make test-fast  the edit loop: no browser, integration or official-client tests, fewer
#                   Hypothesis examples
#   make lint       ruff check + ruff format --check + lint-imports (the layers of
#                   docs/architecture.md, contracts in pyproject.toml)
#   make bench      ours against the peers (Ralph LRS, Kolibri, PostgreSQL COPY), alternating, on
#                   the throwaway servers: bench/peers.py (BENCH=bench/rostering_users.py for
#                   another bench, BENCH_ARGS="--rounds 3" for its arguments); not part of test
#   make venv       create .venv and install the project with its test extras (done by the above)
#
# make test PYTEST_ARGS="-k upsert -x"   passes arguments to pytest (default: -m "not bench").
# TEST_PG_PORT, TEST_REDIS_PORT and TIMEBACK_SERVICES_DIR (environment) move the test servers.

SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := scripts/test-services.sh
# One `make test` / `make test-fast` / `make bench` at a time per user and port: they share the
# servers' ports and data (and the test database), and each stops the servers when it ends.
SERVICES_LOCK := $${TMPDIR:-/tmp}/timeback-test-services-$$(id -u)-$${TEST_PG_PORT:-55432}.lock

PYTEST_ARGS ?= -m "not bench"
FAST_PYTEST_ARGS ?= -m "not bench" --ignore=tests/e2e --ignore=tests/integration --ignore=tests/compat
BENCH ?= bench/peers.py
BENCH_ARGS ?=

# Takes the lock, starts the servers, runs $(WITH_SERVICES) with their URLs, stops them
# whatever happened, exits with its code.
define with_services
	@exec 9>>"$(SERVICES_LOCK)"; \
	flock -n 9 || { echo "make: waiting for another 'make test' or 'make bench' on these ports to finish..." >&2; flock 9; }; \
	trap '$(SERVICES) stop' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	exports="$$($(SERVICES) start)" || exit $$?; \
	eval "$$exports"; \
	DATABASE_URL="$$DATABASE_URL" REDIS_URL="$$REDIS_URL" $(WITH_SERVICES)
endef

.PHONY: venv run stop test test-fast lint bench

# Creates .venv when missing; re-runs pip only when pyproject.toml is newer than the stamp.
# Serialised with a lock on the repository directory, so that parallel makes don't race.
venv:
	@exec 8<.; flock 8; \
	if [ ! -x $(PY) ]; then \
	  if ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	    echo "make venv: $(PYTHON) cannot create a virtualenv (Debian: python3-venv is missing)" >&2; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; \
	    elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	    else echo "make venv: run 'sudo apt-get install -y python3-venv' first" >&2; exit 1; fi; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q update \
	      && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q install -y python3-venv || exit 1; \
	  fi; \
	  echo "make venv: creating $(VENV)" >&2; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) || exit 1; \
	fi; \
	if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ]; then \
	  echo "make venv: pip install -e '.[test]'" >&2; \
	  $(PY) -m pip install --disable-pip-version-check -q -e ".[test]" || exit 1; \
	  touch $(STAMP); \
	fi

run: venv
	@scripts/run-demo.sh

stop: venv
	@$(PY) -m timeback.embedded_pg stop

# The whole suite (CI).
test: WITH_SERVICES = FAST_PASSWORD_HASHER=1 $(PY) -m pytest $(PYTEST_ARGS)
test: venv
	@scripts/ensure-chromium.sh
	$(with_services)

# The bulk of the suite in a few minutes: see README (Test tiers).
test-fast: WITH_SERVICES = FAST_PASSWORD_HASHER=1 HYPOTHESIS_PROFILE=fast $(PY) -m pytest $(FAST_PYTEST_ARGS)
test-fast: venv
	$(with_services)

# Every check always runs; fails if any fails. lint-imports reads the contracts in
# pyproject.toml ([tool.importlinter]): an upward or circular import fails the build.
lint: venv
	@rc=0; \
	echo "ruff check ." >&2; $(VENV)/bin/ruff check . || rc=1; \
	echo "ruff format --check ." >&2; $(VENV)/bin/ruff format --check . || rc=1; \
	echo "lint-imports" >&2; $(VENV)/bin/lint-imports --no-cache || rc=1; \
	exit $$rc

bench: WITH_SERVICES = $(PY) $(BENCH) $(BENCH_ARGS)
bench: venv
	$(with_services)
