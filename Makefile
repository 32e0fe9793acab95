# Two commands for a newcomer: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# axe-core for the browser tests' accessibility checks (tests/browser/package.json), from npm.
AXE    := tests/browser/node_modules/.installed-stamp

.PHONY: run test lint setup ci clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@ \
	    || echo "npm ci failed: the browser tests will be skipped (they need axe-core from npm)"; \
	else \
	  echo "npm is not installed: the browser tests will be skipped (they need axe-core from npm)"; \
	fi

setup: $(STAMP) $(AXE)

## Build the SQLite database, load the demo cohort (prints logins), start the scheduler (reminders,
## notices, e-mail delivery) and serve on http://127.0.0.1:5000; Ctrl-C stops both.
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) lms demo
	@echo "Serving on http://$(HOST):$(PORT)/ with the scheduler beside it  (Ctrl-C stops both)"
	@$(FLASK) lms scheduler & scheduler=$$!; \
	  trap 'kill -TERM $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

## Run the whole suite (SQLite; set LMS_TEST_DATABASE_URL for PostgreSQL), one worker process per core
## (pytest-xdist; each worker has a database of its own, see tests/conftest.py). PYTEST_WORKERS=0 runs it
## in this one process.
PYTEST_WORKERS ?= auto
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check lms tests config.py wsgi.py setup.py

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache tests/browser/node_modules
