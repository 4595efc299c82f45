# Aufnahme-Monitor: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RECEPTION_DB ?= data/reception.duckdb
export RECEPTION_DB

.PHONY: run test test-fast lint bench backtest backtest-estimate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	@if echo "$(RECEPTION_DB)" | grep -qE '^postgres(ql)?://'; then \
	  if $(BIN)/python -c 'import sys; from reception.store import postgres; sys.exit(0 if postgres.is_new() else 1)'; then \
	    $(BIN)/python -m etl init --demo; fi; \
	elif [ ! -f "$(RECEPTION_DB)" ]; then $(BIN)/python -m etl init --demo; fi
	$(BIN)/python -m streamlit run dashboard.py --server.port 8501

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The quick loop while working: no browser, no PostgreSQL, no nginx, nothing marked slow (their
# tests skip as where those are not installed); `make test` runs everything, as CI does.
FAST_ENV := CHROMIUM_PATH=/nonexistent BROWSER_PATH=/nonexistent PG_BIN=/nonexistent NGINX=/nonexistent
test-fast: $(VENV)/.dev
	$(BIN)/ruff check .
	$(FAST_ENV) $(BIN)/python -m pytest -q -m "not slow and not browser"

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev
	$(BIN)/python -m bench

# rolling-origin backtest of the forecast; writes data/forecast_backtest.json
backtest: $(VENV)/.runtime
	@tmp=$$(mktemp -d) && RECEPTION_DB=$$tmp/reception.duckdb $(BIN)/python -m etl init --demo >/dev/null \
	  && $(BIN)/python -m reception.read.backtest --demo-db $$tmp/reception.duckdb; \
	  status=$$?; rm -rf $$tmp; exit $$status

# hides each district's report in turn (demo and the real series); writes data/estimate_backtest.json
backtest-estimate: $(VENV)/.runtime
	@tmp=$$(mktemp -d) && RECEPTION_DB=$$tmp/reception.duckdb $(BIN)/python -m etl init --demo >/dev/null \
	  && $(BIN)/python -m reception.read.estimate_backtest --demo-db $$tmp/reception.duckdb; \
	  status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
