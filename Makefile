# The course's commands. Quick start: `make lab` to study, `make test` to check everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The stamp names the Python version, so that `make test PYTHON=python3.12` rebuilds a .venv
# that another Python made.
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
STAMP := $(VENV)/.installed-$(PYTHON_VERSION)
# The Pythons the course supports; `make test-pythons` runs the tests on each one on PATH but the
# one `make test` uses, and on 3.14 through tools/python314.sh where none is on PATH.
SUPPORTED_PYTHONS := 3.11 3.12 3.13 3.14
MATRIX_TARGET ?= test
# The helpers' tests mostly wait on servers and sleeps: two pytest-xdist workers per CPU.
TEST_WORKERS := $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))' 2>/dev/null)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb))
LAB_OPTIONS ?=
# The course's own JupyterLab defaults (no news pop-up, no update check), copied into the venv's
# application settings directory, where JupyterLab reads overrides.json.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# JupyterLab refuses to start as root (a container) without --allow-root.
LAB_ROOT = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
CHROMIUM ?= /usr/bin/chromium

.PHONY: lab test test-helpers test-pythons test-browser test-notebooks install format \
	notebooks navigation html lock clean

lab: $(STAMP) $(LAB_SETTINGS)  ## Open the course in JupyterLab on the index notebook
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.ip=127.0.0.1 --LabApp.extension_manager=readonly \
		$(LAB_ROOT) $(LAB_OPTIONS) notebooks/00-index.ipynb

# `make test` runs the notebooks once, at normal priority, and beside them the lint and the unit
# tests at the lowest priority (tools/lowest_priority.py: a session of their own, niced with its
# autogroup, in the idle class): they use only the CPU time the notebooks leave idle, and
# OtherCpus does not count them as other programs, so the notebooks' timing claims are measured
# on CPUs that are theirs.
LOWEST_PRIORITY := $(BIN)/python -m tools.lowest_priority
CLAIMS := build/timing-claims.txt
# Unit tests can time out while the notebooks keep both CPUs busy: those that failed beside them
# run once more at normal priority once the notebooks are done, and must pass then.
STARVED := build/starved-tests.txt

test: $(STAMP)  ## Lint, type check and unit tests, beside one pass over every notebook
	@mkdir -p build && rm -f $(CLAIMS) $(STARVED)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-notebooks test-helpers \
		PRIORITY="$(LOWEST_PRIORITY)" FAILED_FILE=$(STARVED)
	@if [ -s $(STARVED) ]; then \
		echo "$$(wc -l < $(STARVED)) unit tests failed at the lowest priority: once more, alone"; \
		$(BIN)/python -m pytest -n $$(( $$(wc -l < $(STARVED)) < $(TEST_WORKERS) ? $$(wc -l < $(STARVED)) : $(TEST_WORKERS) )) @$(STARVED); fi
	@cat $(CLAIMS)

test-helpers: $(STAMP)  ## Lint, type-check, and test the helpers package and the tools
	$(PRIORITY) $(BIN)/ruff check helpers tests tools notebooks
	$(PRIORITY) $(BIN)/ruff format --check helpers tests tools notebooks
	$(PRIORITY) $(BIN)/mypy
	$(PRIORITY) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal tests \
		$(if $(FAILED_FILE),--failed-file $(FAILED_FILE) || [ $$? -eq 1 ])

test-pythons:  ## `make test` on every other supported Python, each in its own .venv-3.X (3.14 if need be in a folder)
	@tools/test-pythons.sh '$(MATRIX_TARGET)' '$(PYTHON_VERSION)' $(SUPPORTED_PYTHONS)

test-notebooks: $(STAMP)  ## Every notebook once, all cells queued as Run All, outputs compared by nbval
	$(BIN)/python -m pytest -p notebook_pass --nbval --nbval-current-env \
		--nbval-sanitize-with tools/nbval-sanitize.cfg --claims-file $(CLAIMS) $(NOTEBOOKS)

install: $(STAMP) $(LAB_SETTINGS)  ## Create .venv and install the pinned course stack

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, this is " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version_info[:2])')" != \
		"$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then \
		echo "$(VENV) was made with another Python: making it anew with $(PYTHON)"; rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(LAB_SETTINGS): lab-settings/overrides.json $(STAMP)
	mkdir -p $(@D)
	cp lab-settings/overrides.json $@

test-browser: $(STAMP) $(LAB_SETTINGS)  ## Opt-in: Run All of every notebook in JupyterLab in headless Chromium
	@test -x "$(CHROMIUM)" || { echo "make test-browser needs Chromium, not found at $(CHROMIUM)." \
		"Install it (Debian/Ubuntu: sudo apt-get install chromium) or pass CHROMIUM=/path/to/chromium."; exit 1; }
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-browser.txt
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/test_browser.py

format: $(STAMP)  ## Fix lint and formatting in place
	$(BIN)/ruff check --fix helpers tests tools notebooks
	$(BIN)/ruff format helpers tests tools notebooks

notebooks: $(STAMP)  ## Re-execute every notebook in place, record its running time, rewrite navigation
	$(BIN)/python -m tools.execute $(NOTEBOOKS)
	$(BIN)/python -m tools.navigation

navigation: $(STAMP)  ## Rewrite each notebook's header, footer links and the index's course map
	$(BIN)/python -m tools.navigation

html: $(STAMP)  ## Render every notebook with its outputs to a static site in build/html/
	$(BIN)/python -m tools.static_site build/html

lock: $(STAMP)  ## Refresh constraints.txt: the newest versions pyproject.toml allows (with the dev extra), for Python 3.11+
	$(BIN)/python -m pip install --disable-pip-version-check uv
	$(BIN)/python -m uv pip compile --universal --extra dev \
		--python-version 3.11 --custom-compile-command "make lock" --no-annotate \
		--no-emit-index-url pyproject.toml -o constraints.txt

clean:  ## Remove .venv, the test matrix's .venv-3.X and caches
	rm -rf $(VENV) .venv-3.* .pytest_cache .ruff_cache .mypy_cache build
