# riskmodel: the two commands of the quick start, and what they need.
#
#   make report   set up the runtime environment, run the main job on the bundled default
#                 (synthetic) world and write reports/index.html plus one HTML and PDF per dyad
#   make test     set up the test environment and run the whole suite
#
# Everything is installed into .venv from the package registry; nothing else is downloaded.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: report test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 > /dev/null
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

install-test: $(VENV)/.installed-test

report: $(VENV)/.installed-run
	$(BIN)/riskmodel run --out reports

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

clean:
	rm -rf build reports .pytest_cache
