# Two commands set everything up: `make demo` and `make test` (each builds .venv itself).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: venv test lint typecheck pytest demo bench chromium clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Debian's chromium renders the HTML report in the tests; installed only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: venv
	$(BIN)/ruff check src flows spiders tests bench

typecheck: venv
	$(BIN)/mypy src/pipeline

pytest: venv chromium
	$(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

demo: venv
	$(BIN)/veille demo

bench: venv
	$(BIN)/python bench/run.py $(if $(SCALE),--scale $(SCALE),)

clean:
	rm -rf $(VENV) var dist build .mypy_cache .ruff_cache .pytest_cache
