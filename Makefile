# The course's commands. Quick start: `make lab` to study, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb))
LAB_OPTIONS ?=

.PHONY: lab test test-nbval test-run-all install format notebooks navigation html lock clean

lab: $(STAMP)  ## Open the course in JupyterLab on the index notebook
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.ip=127.0.0.1 --LabApp.extension_manager=readonly \
		$(LAB_OPTIONS) notebooks/00-index.ipynb

test: $(STAMP)  ## Lint, type-check, test the helpers, then every notebook under nbval and under Run All
	$(BIN)/ruff check helpers tests tools notebooks
	$(BIN)/ruff format --check helpers tests tools notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile tests
	$(MAKE) --no-print-directory -j2 --output-sync=target test-nbval test-run-all

# The two notebook passes run side by side, in opposite orders, so that the CPU-heavy notebooks
# of one pass overlap the light, mostly waiting notebooks of the other.
test-nbval: $(STAMP)  ## Every notebook under nbval: cell by cell, outputs compared
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tools/nbval-sanitize.cfg \
		-p no:cacheprovider $(NOTEBOOKS)

test-run-all: $(STAMP)  ## Every notebook as JupyterLab's Run All, last notebook first
	$(BIN)/python -m pytest -p no:cacheprovider tools/test_run_all.py

install: $(STAMP)  ## Create .venv and install the pinned course stack

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.10+ is needed, this is " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

format: $(STAMP)  ## Fix lint and formatting in place
	$(BIN)/ruff check --fix helpers tests tools notebooks
	$(BIN)/ruff format helpers tests tools notebooks

notebooks: $(STAMP)  ## Re-execute every notebook in place, record its running time, rewrite navigation
	$(BIN)/python tools/execute.py $(NOTEBOOKS)
	$(BIN)/python tools/navigation.py

navigation: $(STAMP)  ## Rewrite each notebook's header, footer links and the index's course map
	$(BIN)/python tools/navigation.py

html: $(STAMP)  ## Render every notebook with its outputs to a static site in build/html/
	$(BIN)/python tools/static_site.py build/html

lock: $(STAMP)  ## Refresh constraints.txt: the newest versions pyproject.toml allows (with the dev extra), for Python 3.10+
	$(BIN)/python -m pip install --disable-pip-version-check uv
	$(BIN)/python -m uv pip compile --universal --extra dev \
		--python-version 3.10 --custom-compile-command "make lock" --no-annotate \
		--no-emit-index-url pyproject.toml -o constraints.txt

clean:  ## Remove .venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build
