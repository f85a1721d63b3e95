# Two commands for a fresh machine with Python 3.11:
#   make run    set up .venv and launch trialtui on the bundled seeds (plus your library)
#   make test   set up .venv, lint with ruff, and run the tests
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test screenshots bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/trialtui

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/python -m pytest -n auto --dist loadfile

screenshots: $(STAMP)
	$(VENV)/bin/python scripts/screenshots.py

bench: $(STAMP)
	$(VENV)/bin/python -m bench
