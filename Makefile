# `make app` installs the runtime dependencies and serves the app on http://localhost:8501.
# `make test` installs the test dependencies and runs the test suite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: app test bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "signlang needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.app-installed

app: $(VENV)/.app-installed
	$(BIN)/python -m streamlit run app.py

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

bench: $(VENV)/.app-installed
	$(BIN)/python -m signlang bench
