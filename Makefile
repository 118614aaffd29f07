# One command per task. Every target bootstraps .venv first (make venv).
# Variables: DATA=<CIFAR-10 source> (else $AELAB_DATA, else download),
#            PROFILE=quick|full (book and runs; default full), WORKERS=N.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= full
WORKERS ?= 2
DATA ?= $(AELAB_DATA)
export PATH := $(abspath $(BIN)):$(PATH)
export AELAB_DATA := $(if $(DATA),$(abspath $(DATA)),)

.PHONY: help venv sysdeps test test-unit lint book run exercises check-exercises grade calibrate bench clean

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@PYTHON=$(PYTHON) ./.ci/sysdeps venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)  ## create .venv and install the package with its pinned dev tools

sysdeps:  ## Debian packages the tests need (bubblewrap, chromium, npm, fashion-mnist)
	@./.ci/sysdeps test

test: $(STAMP) sysdeps  ## whole test suite: lint, unit, real-data, exercises, book, grading
	$(BIN)/ruff check aelab tests bench autograde
	$(BIN)/python -m aelab.grading.release --check
	AELAB_REQUIRE_REAL_DATA=$(if $(DATA),1,0) $(BIN)/pytest -q --durations=15

test-unit: $(STAMP)  ## fast unit tests only (no real data, no book, no grading)
	$(BIN)/pytest -q -m "not slow and not realdata"

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check aelab tests bench autograde

book: $(STAMP)  ## build the book (runs the solutions; PROFILE=quick for a 5-minute build)
	@./.ci/sysdeps book
	$(BIN)/aelab book --profile $(PROFILE)

run: $(STAMP)  ## run one exercise without a notebook: make run EX=ex08 PROFILE=quick
	$(BIN)/aelab run $(EX) --profile $(PROFILE)

exercises: $(STAMP)  ## regenerate the student notebooks in exercises/ from solutions/
	$(BIN)/python -m aelab.grading.release

check-exercises: $(STAMP)  ## fail when exercises/ is stale or leaks solutions/hidden tests
	$(BIN)/python -m aelab.grading.release --check

grade: $(STAMP)  ## grade a folder of submissions: make grade SUBMISSIONS=path
	$(BIN)/aelab grade $(SUBMISSIONS) --workers $(WORKERS)

calibrate: $(STAMP)  ## re-derive autograder thresholds from the reference solutions
	$(BIN)/aelab calibrate

bench: $(STAMP)  ## benchmarks, printed as tables (needs DATA)
	$(BIN)/python -m bench

clean:  ## remove build outputs and caches (not the venv)
	rm -rf _build results/*.json artefacts .pytest_cache
