# The two commands a newcomer needs: `make demo` and `make test`.
# Prerequisites: Python 3.11, Node 20+, Java 17 (for Spark).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export SPARK_LOCAL_IP ?= 127.0.0.1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint format bench-prepare bench-wide clean browser smoke

demo: $(VENV)/.runtime
	$(BIN)/synthpipe demo

test: $(VENV)/.dev node_modules/.installed browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A real deploy: make smoke REGION=eu-west-1 [PROFILE=sandbox] [SMOKE_ARGS="--keep -c skipMacie=true"]
# (SMOKE_ARGS=--dry-run prints every step and touches nothing). See the README's "First deploy".
smoke: $(VENV)/.runtime node_modules/.installed
	@test -n "$(REGION)" || { echo "make smoke REGION=<region> [PROFILE=<profile>] [SMOKE_ARGS=...]"; exit 2; }
	$(BIN)/synthpipe smoke --region $(REGION) $(if $(PROFILE),--profile $(PROFILE)) $(SMOKE_ARGS)

bench-prepare: $(VENV)/.runtime
	$(BIN)/python benchmarks/prepare_bench.py

bench-wide: $(VENV)/.runtime
	$(BIN)/python benchmarks/wide_bench.py

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install it, or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: reinstall when the pinned requirements change. The second engine (TabularARGN)
# goes in with --no-deps, without torchvision, torchaudio and xgrammar: see
# requirements-argn.txt.
$(VENV)/.runtime: $(BIN)/python requirements.txt requirements-argn.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-argn.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Chromium (Debian's package) for the report's browser test; the test skips without it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed (apt-get install chromium): the report's browser test will skip."; fi; }

clean:
	rm -rf $(VENV) node_modules cdk.out runs
