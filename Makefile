# One-command set-up: every target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= $(CURDIR)/demo-data
# pytest-xdist workers for make test and make test-fast: one more than the cores, since the
# GUI tests spend much of their time waiting on Qt timers (test-fast on 2 cores: 64 s with 2
# workers, 56 s with 3); 0 runs in one process. Each worker takes whole files (--dist loadfile), so a file's module fixtures, its
# PostgreSQL cluster and its Secret Service stay in one process. A worker that crashes (a
# segmentation fault) is not replaced: its test fails by name and the other worker finishes,
# where a replaced worker could rerun the crash or leave the run waiting.
TEST_WORKERS ?= $(shell python3 -c "import os; print((os.cpu_count() or 1) + 1)")
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile --max-worker-restart 0

.PHONY: run test test-fast lint bench bench-fast bench-compare clean-demo venv dist smoke screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Start the app on a demo data folder filled with fictional people (created on first run).
run: $(STAMP)
	$(BIN)/restart-desktop --data-dir $(DEMO_DIR) --demo

## Refresh resources/screenshots/ at 1366x768 and 1920x1080 (needs xvfb-run).
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1366x768x24" $(BIN)/python packaging/screenshots.py 1366x768
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python packaging/screenshots.py 1920x1080

## Static checks only: lint, types, the layer contracts and the CI workflow's schema.
lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/lint-imports
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

## Run the whole test suite at its default size (e2e and long included, slow left out), lint
## and type checks: what CI runs. Measured times: README, Tests.
test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_PARALLEL)

## The quick loop while working: domain, store, app and GUI tests (about 860), without the
## e2e tests (processes, kills, Secret Service, PostgreSQL end to end), the long runs
## (property runs, crash-point sweep, demo seeding, paging thousands) or slow ones; no lint.
## Measured times: README, Tests.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) \
		-m 'not slow and not e2e and not long'

## Every benchmark on 10,000 fictional cases (about half an hour: it seeds its own data):
## one table of figures beside their floors and targets, written to bench-results.json.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/run_all.py

## The same on 1,000 cases, to try a change quickly (not comparable with the baseline).
bench-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/run_all.py --fast --out bench-fast.json

## The last `make bench` beside the committed baseline (tests/benchmarks/baseline.json).
bench-compare: $(STAMP)
	$(BIN)/python tests/benchmarks/compare.py

clean-demo:
	rm -rf $(DEMO_DIR)

DIST_STAMP := $(VENV)/.dist-installed

$(DIST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dist]'
	touch $(DIST_STAMP)

## The standalone one-folder build for this platform, in dist/restart-desktop/ (see packaging/).
dist: $(DIST_STAMP)
	$(BIN)/pyinstaller packaging/restart_desktop.spec --noconfirm --clean \
		--distpath dist --workpath build/pyinstaller

## Build, then start the frozen app as an administrator would: demo data, doctor, the window.
smoke: dist
	$(BIN)/python packaging/smoke_test.py dist/restart-desktop
