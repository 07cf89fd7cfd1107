# The two commands of the README:
#   make book   install everything, bring the committed chapter outputs up to date (papermill
#               re-executes only the chapters whose inputs changed), render the HTML book
#   make test   install everything and run every check (what CI runs through .ci/run)
# and, for maintainers:
#   make refresh    re-execute every chapter in place (papermill, in parallel) and normalise it
#   make status     which chapters' committed outputs are stale, and why
#   make check-r    regenerate the R reference values with Rscript and compare them
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Tools and Jupyter kernels come from the project's environment.
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

CHAPTERS := $(shell sed -n 's/^ *- file: \(chapters\/.*\)/\1.ipynb/p' _toc.yml)
# What make watches to decide whether to run the build at all; which chapters re-execute is
# decided by the input records in the notebooks (python -m helpers.notebooks status).
BOOK_SOURCES := $(CHAPTERS) $(wildcard *.md) _config.yml _toc.yml references.bib \
	$(wildcard bib/*.bib) $(wildcard _static/*) $(wildcard _ext/*.py) pyproject.toml uv.lock \
	$(wildcard src/helpers/*.py) $(wildcard src/helpers/*/*.py) $(wildcard data/*) $(wildcard data/*/*) \
	$(wildcard benchmarks/*.csv)
NBSTRIPOUT := nbstripout --keep-output --keep-count --extra-keys "metadata.papermill cell.metadata.papermill"
STAMP := $(VENV)/.synced

.PHONY: help install validate book status test verify-notebooks strict-book browser-test screenshots refresh binder-env bench bench-reconstruction check-r handouts clean

help:
	@echo "make book     build the HTML book into _build/html (installs everything first)"
	@echo "make test     run every check: unit tests, nbval, nbstripout --verify, strict build"
	@echo "make refresh  re-execute every chapter in place and normalise it"
	@echo "make status   which chapters' committed outputs are stale, and why"
	@echo "make bench    measure build, test and per-chapter times against the budget"
	@echo "make bench-reconstruction  KM reconstruction vs R peers (needs ../shared/validation)"
	@echo "make check-r  regenerate the R reference values (needs Rscript) and compare"
	@echo "make binder-env  re-pin binder/requirements.txt from uv.lock (after changing dependencies)"
	@echo "make screenshots  full-page screenshots of every page at desktop and phone widths (needs chromium)"
	@echo "make handouts  print each chapter and the whole book to PDF in _build/handouts (needs chromium)"

# uv is installed with pip when missing; the environment follows uv.lock exactly. The packages
# are compiled to bytecode once, at install: otherwise every Python process (each kernel, each
# test worker, the build) compiles them again when PYTHONDONTWRITEBYTECODE is set, about 3 s each.
$(STAMP): pyproject.toml uv.lock
	@if command -v uv >/dev/null 2>&1; then UV=uv; \
	elif $(PYTHON) -m uv --version >/dev/null 2>&1; then UV="$(PYTHON) -m uv"; \
	else echo "uv not found: installing it with pip"; $(PYTHON) -m pip install --quiet uv; UV="$(PYTHON) -m uv"; fi; \
	$$UV sync --frozen --compile-bytecode --extra test --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	@touch $@

install: $(STAMP)

# Bad data stop everything before a page is built.
validate: $(STAMP)
	python -m helpers.validate

book: _build/html/index.html
	@echo "The book is built. Open file://$(CURDIR)/_build/html/index.html"

# Validate the data, re-execute (papermill, in parallel) only the chapters whose recorded inputs
# differ from the tree, then render the committed outputs (Jupyter Book executes nothing).
# Any failure stops with a non-zero exit and removes _build/html: no stale site is left.
_build/html/index.html: $(STAMP) $(BOOK_SOURCES)
	python -m helpers.notebooks build

# The strict build comes first so that one pytest session (two workers kept busy to the end)
# runs the unit tests, nbval on every chapter and the browser tests on the built book.
test: validate
	python -m helpers.notebooks check
	ruff check .
	ruff format --check src tests benchmarks _ext
	$(MAKE) --no-print-directory verify-notebooks
	$(MAKE) --no-print-directory strict-book
	pytest -n 2 --dist loadfile tests chapters --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

# Every page of the built book in headless Chromium, offline (after strict-book or book).
browser-test: $(STAMP)
	pytest -n 2 --dist loadfile -m browser tests/browser -p no:cacheprovider

# The browser test, writing full-page screenshots at desktop and phone widths to _build/screenshots.
screenshots: $(STAMP)
	BCLM_SCREENSHOTS=1 pytest -n 2 --dist loadfile -m browser tests/browser -p no:cacheprovider

verify-notebooks: $(STAMP)
	$(NBSTRIPOUT) --verify $(CHAPTERS)
	@echo "nbstripout --verify: committed notebooks are normalised"

# Warnings are errors; a clean _build, so nothing stale is published. Renders, never executes.
strict-book: $(STAMP)
	rm -rf _build
	jupyter-book build . -W --keep-going --all || { rm -rf _build/html; exit 1; }
	@echo "Strict book build passed: _build/html"

# Re-execute every chapter (papermill, in parallel, in place) and normalise it with nbstripout.
refresh: validate
	python -m helpers.notebooks execute --all

status: $(STAMP)
	python -m helpers.notebooks status

# Binder and other pip-based launchers: the same pins as uv.lock (tests/test_release.py checks).
binder-env:
	@UV=$$(command -v uv || echo "$(PYTHON) -m uv"); \
	$$UV export --frozen --no-hashes --no-emit-project --format requirements.txt -o binder/requirements.txt

# Performance budget: cold and incremental builds, the test suite, each chapter's execution.
bench: $(STAMP)
	python benchmarks/bench_book.py

# Kaplan–Meier reconstruction against four R implementations (needs ../shared/validation).
bench-reconstruction: $(STAMP)
	python benchmarks/bench_reconstruction.py

check-r: $(STAMP)
	BCLM_REQUIRE_R=1 pytest -p no:cacheprovider -m r_live tests

# PDF handouts: every page of the built book printed by headless Chromium (Debian's `chromium`),
# code hidden, tables fitted to the page; one PDF per chapter and the book in _build/handouts.
handouts: _build/html/index.html
	python -m helpers.handouts --html _build/html --out _build/handouts

clean:
	rm -rf _build
