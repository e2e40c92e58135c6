# One entry point for people and CI. `make check` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
STACK ?= dev
PYTEST_ARGS ?=

.PHONY: setup tools check plan test bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Tests parse generated node user data with shellcheck (a Debian package).
tools:
	@command -v shellcheck >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq shellcheck >/dev/null; fi; }

# The main job: the offline HIPAA check of a stack (default: dev).
check: setup
	$(BIN)/python -m quome check --stack $(STACK)

plan: setup
	$(BIN)/python -m quome plan --stack $(STACK)

# Lint first: a style or bug finding fails the job before the slower suite runs.
test: setup tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m quome bench --orgs 2,25,100

clean:
	rm -rf $(VENV) build *.egg-info
