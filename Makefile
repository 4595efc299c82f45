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

# The quick loop while working (about 75 CPU-s: 52 s at load 5-6 on the 2-core machine): the unit
# tests on two workers. Left out, by one rule: what starts another program or the whole app – the
# browser, PostgreSQL and nginx (their tests skip as where those are not installed), tests marked
# slow (AppTest, `python -m etl` processes, fuzzing, each over about a second), and the modules
# below, where (nearly) every test does so. `make test` runs everything, as CI does.
FAST_ENV := CHROMIUM_PATH=/nonexistent BROWSER_PATH=/nonexistent PG_BIN=/nonexistent NGINX=/nonexistent
FAST_SKIP := test_app_* test_page_* test_pages_* test_cli* test_bench_* test_backup test_remind \
  test_alerts test_reliability test_briefing test_postgres test_store_faults test_scale test_deploy \
  test_fuzz test_fuzz_reliability test_asof test_asof_web test_forecast_cli test_demo test_demo_lands \
  test_corpus test_opendata test_inbox test_accounts test_screen test_bounded test_ingest_fast \
  test_estimate test_plausibility test_reporting test_lagebild
# schemathesis's pytest plugin (it loads hypothesis' whole engine into every worker, about 0.7
# CPU-s each) serves none of these tests: its one test runs schemathesis as a program
FAST_PLUGINS := -p no:schemathesis
test-fast: $(VENV)/.dev
	$(BIN)/ruff check .
	$(FAST_ENV) $(BIN)/python -m pytest -q -n 2 -m "not slow and not browser" $(FAST_PLUGINS) \
	  $(foreach module,$(FAST_SKIP),--ignore-glob='tests/$(module).py')

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
