# `make lab`  : set everything up, open JupyterLab on examples/quickstart.ipynb
# `make test` : set everything up, run every suite (lint, pytest, jest, package check, Galata)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
STAMPS := .make
CHROMIUM ?= /usr/bin/chromium
TORCH_VERSION ?= 2.13.0
TORCHVISION_VERSION ?= 0.28.0
# Jupyter refuses to start as root without this flag (CI runs as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_FLAGS := $(ROOT_FLAG) $(if $(DISPLAY),,--no-browser)

TS_SOURCES := $(shell find src style schema -type f) tsconfig.json

.PHONY: all lab test install lint test-python test-js test-package test-ui build clean bench conformance \
	wheel kernel-pythons test-kernel-pythons test-compat-oldest test-compat

all: install

$(STAMPS):
	mkdir -p $(STAMPS)

# Python environment with the build tools (the editable install builds without isolation).
$(STAMPS)/venv: pyproject.toml Makefile | $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "jupyterlab>=4.4,<5" "hatchling>=1.5" editables hatch-jupyter-builder hatch-nodejs-version
	# This exact torch is a CPU build that lies on this machine's disk; a range alone would
	# pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q "torch==$(TORCH_VERSION)"
	touch $@

$(STAMPS)/node: package.json package-lock.json | $(STAMPS)
	npm ci --no-audit --no-fund
	touch $@

$(STAMPS)/install: $(STAMPS)/venv $(STAMPS)/node pyproject.toml package.json
	$(BIN)/python -m pip install -q --no-build-isolation -e ".[frameworks,test]"
	# tf_keras (legacy Keras 2) models: tf-keras runs on tensorflow-cpu, but asks for the full
	# tensorflow wheel; --no-deps keeps a single TensorFlow.
	$(BIN)/python -m pip install -q --no-deps "tf-keras==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("tensorflow-cpu").rsplit(".", 1)[0])').*"
	# torchvision for the conformance suite only, outside the venv (tests/conformance/shims.py
	# puts it on sys.path): the build matching this torch here is a CUDA one that the CPU torch
	# cannot import, and transformers imports any torchvision it finds. --no-deps keeps the
	# CPU torch above.
	$(BIN)/python -m pip uninstall -q -y torchvision 2>/dev/null || true
	test -d $(STAMPS)/torchvision/torchvision || $(BIN)/python -m pip install -q --no-deps \
		--target $(STAMPS)/torchvision "torchvision==$(TORCHVISION_VERSION)"
	jupyter labextension develop --overwrite .
	touch $@

build: $(STAMPS)/install $(TS_SOURCES)
	npm run build

install: build

lab: install
	cd examples && jupyter lab $(LAB_FLAGS) quickstart.ipynb

lint: $(STAMPS)/install
	npm run lint
	$(BIN)/ruff check jupyterlab_models tests benchmarks
	$(BIN)/ruff format --check jupyterlab_models tests benchmarks

# tests/compat needs the kernel environments of `make kernel-pythons` (run by test-compat).
test-python: $(STAMPS)/install
	$(BIN)/python -m pytest -q --ignore=tests/compat

test-js: $(STAMPS)/node
	npm test

# The wheel, installed into a fresh venv with JupyterLab, is listed as enabled.
test-package: build
	bash scripts/check-package.sh

$(STAMPS)/chromium: | $(STAMPS)
	test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)
	touch $@

$(STAMPS)/ui-node: ui-tests/package.json ui-tests/package-lock.json | $(STAMPS)
	cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

# Kernels that only the Galata servers see (ui-tests/jupyter_server_test_config.py): Bash, a real
# non-Python kernel, and Python from a venv without jupyterlab-models.
TEST_KERNELS := $(STAMPS)/test-kernels
$(STAMPS)/test-kernels-installed: $(STAMPS)/install | $(STAMPS)
	test -x $(STAMPS)/bare-kernel/bin/python || $(PYTHON) -m venv $(STAMPS)/bare-kernel
	$(STAMPS)/bare-kernel/bin/python -m pip install -q ipykernel
	$(STAMPS)/bare-kernel/bin/python -m ipykernel install --prefix $(TEST_KERNELS) \
		--name python3-bare --display-name "Python 3 (without jupyterlab-models)"
	$(BIN)/python -m bash_kernel.install --prefix $(TEST_KERNELS)
	touch $@

# JupyterLab (port 8888), then Jupyter Notebook 7 (port 8889), each with its own server.
test-ui: build $(STAMPS)/chromium $(STAMPS)/ui-node $(STAMPS)/test-kernels-installed
	cd ui-tests && CHROMIUM_PATH=$(CHROMIUM) npx playwright test
	cd ui-tests && CHROMIUM_PATH=$(CHROMIUM) npx playwright test --config playwright.notebook.config.js

# Compatibility (issue #20). Each row: a fresh venv with one release and the built wheel,
# `jupyter labextension list` OK, and the Playwright smoke test (ui-tests/tests-compat) in
# Chromium. `make test` runs the oldest JupyterLab only (a row takes 3 to 6 minutes, mostly pip);
# `make test-compat` runs every row and the kernel side on Python 3.9 and 3.13 with ipykernel
# 6 and 7. Ports 8893-8896 (JUPYTERLAB_COMPAT_TEST_PORT).
OLDEST_LAB ?= 4.0.0
OLDEST_NOTEBOOK ?= 7.0.0
# Notebook 7.0.0 with the JupyterLab of its time (it needs jupyterlab>=4.0.2).
OLDEST_NOTEBOOK_LAB ?= 4.0.2
COMPAT_DIST := $(STAMPS)/compat-dist
COMPAT_ROW = bash scripts/check-compat.sh
COMPAT_UI_DEPS = wheel $(STAMPS)/chromium $(STAMPS)/ui-node

# The wheel of this checkout, as users get it (hatch's build hook reuses the current build).
wheel: build
	rm -rf $(COMPAT_DIST)
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w $(COMPAT_DIST) .

kernel-pythons: wheel
	bash scripts/kernel-pythons.sh $(COMPAT_DIST)/jupyterlab_models-*.whl

test-kernel-pythons: kernel-pythons
	$(BIN)/python -m pytest -q tests/compat

test-compat-oldest: $(COMPAT_UI_DEPS)
	$(COMPAT_ROW) lab-$(OLDEST_LAB) lab 8893 $(COMPAT_DIST)/*.whl "jupyterlab==$(OLDEST_LAB)"

test-compat: test-compat-oldest test-kernel-pythons $(COMPAT_UI_DEPS)
	$(COMPAT_ROW) lab-newest lab 8894 $(COMPAT_DIST)/*.whl "jupyterlab>=4,<5"
	$(COMPAT_ROW) notebook-$(OLDEST_NOTEBOOK) notebook 8895 $(COMPAT_DIST)/*.whl \
		"notebook==$(OLDEST_NOTEBOOK)" "jupyterlab==$(OLDEST_NOTEBOOK_LAB)"
	$(COMPAT_ROW) notebook-newest notebook 8896 $(COMPAT_DIST)/*.whl "notebook>=7,<8"

test: lint test-python test-js test-package test-ui test-compat-oldest

# Benchmarks (issue #6) in their own venv .venv-bench (frameworks + mlflow + bentoml); never
# part of `make test`, whose pytest runs each script with --smoke. P7 builds the frontend in a
# temporary copy with the node modules and JupyterLab of `install`.
bench: $(STAMPS)/install
	bash benchmarks/setup.sh
	.venv-bench/bin/python benchmarks/run_all.py

# Conformance (issue #14): models from the libraries' own catalogues, saved, loaded in a fresh
# Python with pickle blocked, compared; prints the totals, rewrites docs/CONFORMANCE.md and
# fails on any failure. `make test-python` runs a subset (tests/conformance/test_conformance.py).
conformance: $(STAMPS)/install
	$(BIN)/python -m tests.conformance --all --write docs/CONFORMANCE.md

clean:
	rm -rf $(STAMPS) lib tsconfig.tsbuildinfo jupyterlab_models/labextension dist
