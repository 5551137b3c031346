# adlab: `make course` builds the course into build/, `make test` runs the tests.
# Both create .venv and install adlab with its extras on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.adlab-installed
# a second environment like Colab's: Python 3.13 (when the machine has one, on
# PATH or under pyenv) with ipywidgets 7.7.1, for the widget and first-cell tests
# (pyenv's shims are skipped: a shim fails unless that version is selected)
COLAB_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
                 $(filter-out %/shims/python3.13,$(shell command -v python3.13 2>/dev/null)) \
                 $(PYTHON))
COLAB_ENV := .venv-colab
COLAB_STAMP := $(COLAB_ENV)/.adlab-installed

.PHONY: test test-hub course release autograde slides lab graphviz chromium npm bubblewrap torch bench clean

# binder/requirements.txt pins the course's libraries; the same pins constrain
# this environment, so that the tests run with what Binder installs.
$(STAMP): pyproject.toml binder/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	grep -v '^-e' binder/requirements.txt > $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[all]' -c $(VENV)/constraints.txt
	@touch $(STAMP)

$(COLAB_STAMP): pyproject.toml
	@test -x $(COLAB_ENV)/bin/python || $(COLAB_PYTHON) -m venv $(COLAB_ENV)
	$(COLAB_ENV)/bin/python -m pip install --quiet 'ipywidgets==7.7.1' matplotlib sympy graphviz \
	  pytest hypothesis numpy
	$(COLAB_ENV)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(COLAB_STAMP)

# $(call apt-install,CHECK,PACKAGE,HINT): when the shell test CHECK fails, install
# Debian's PACKAGE with apt-get if we are root on Debian or Ubuntu, else print HINT
# and stop.
define apt-install
	@$(1) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(2) (apt-get install $(2))"; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(3)"; \
	    exit 1; \
	  fi; }
endef

GRAPHVIZ_HINT := Graphviz's dot is missing: install it (sudo apt-get install graphviz, brew install graphviz or conda install graphviz) and run make again.
CHROMIUM_HINT := /usr/bin/chromium is missing: install it (sudo apt-get install chromium on Debian or Ubuntu) and run make test again.
BWRAP_HINT := bubblewrap is missing: grading runs student code in it (sudo apt-get install bubblewrap on Debian or Ubuntu) and run make again.
NPM_HINT := npm is missing: install it (sudo apt-get install npm on Debian or Ubuntu) and run make again.

# Graphviz's `dot` renders the dependency graphs.
graphviz:
	$(call apt-install,command -v dot >/dev/null 2>&1,graphviz,$(GRAPHVIZ_HINT))

# Debian's chromium runs the real-browser test (Playwright's own browser
# download does not work everywhere).
chromium:
	$(call apt-install,test -x /usr/bin/chromium,chromium,$(CHROMIUM_HINT))

# bubblewrap isolates student code while it is graded (adlab.autograde.sandbox).
bubblewrap:
	$(call apt-install,command -v bwrap >/dev/null 2>&1,bubblewrap,$(BWRAP_HINT))

# npm fetches reveal.js and MathJax from the npm registry, once, for the offline
# slide decks (cached in ~/.cache/adlab/npm).
npm:
	$(call apt-install,command -v npm >/dev/null 2>&1,npm,$(NPM_HINT))

# PyTorch's CPU wheel, where the machine keeps one (/opt/wheels on the project's
# machines): the tests compare adlab's derivatives with torch's in float64
# (tests/test_torch_oracle.py). Elsewhere it is not installed (PyPI's torch is a
# CUDA build of several GB) and those comparisons are skipped with one line.
TORCH_WHEEL := $(firstword $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl))
TORCH_STAMP := $(VENV)/.torch-checked
$(TORCH_STAMP): $(STAMP)
	@if $(BIN)/python -c "import torch" 2>/dev/null; then :; \
	elif [ -n "$(TORCH_WHEEL)" ] && $(BIN)/python -m pip install --quiet "$(TORCH_WHEEL)"; then \
	  echo "Installed PyTorch's CPU wheel ($(notdir $(TORCH_WHEEL))) for the torch oracle tests"; \
	else echo "No PyTorch CPU wheel for this Python here: the tests comparing with PyTorch are skipped"; fi
	@touch $(TORCH_STAMP)

torch: $(TORCH_STAMP)

test: $(STAMP) $(COLAB_STAMP) $(TORCH_STAMP) graphviz chromium npm bubblewrap
	$(BIN)/python -m pytest -q --ignore=tests/test_hub.py
	$(MAKE) test-hub

# The class's JupyterHub (deploy/) end to end: deploy/install.sh into HUB_PREFIX, then
# tests/test_hub.py makes Unix users, starts the hub and drives it in Chromium. It needs
# root; elsewhere the test says it is skipped and why.
HUB_PREFIX ?= /opt/adlab-hub-test
test-hub: $(STAMP) graphviz chromium npm bubblewrap
	@if [ "$$(id -u)" = 0 ]; then \
	  PREFIX=$(HUB_PREFIX) EXCHANGE=$(HUB_PREFIX)/exchange STATE=$(HUB_PREFIX)/state \
	    deploy/install.sh >/dev/null || exit 1; fi
	ADLAB_HUB_PREFIX=$(HUB_PREFIX) $(BIN)/python -m pytest -q -rs tests/test_hub.py

course: $(STAMP) graphviz release slides
	$(BIN)/python -m adlab.demo build
	$(BIN)/python -m adlab.course build build
	rm -rf build/exercises && cp -r exercises/release build/exercises
	@echo "Course in build/: index.html, notebooks/, slides/, exercises/ (student versions), demo.md"

# One offline reveal.js deck per notebook, and its PDF, in build/slides/.
slides: $(STAMP) graphviz chromium npm
	$(BIN)/python -m adlab.slides build build/slides

# The student versions of the exercises, generated by nbgrader into
# exercises/release/ (git-ignored). nbgrader runs alembic from PATH.
ASSIGNMENTS := $(notdir $(wildcard exercises/source/q*))
release: $(STAMP)
	cd exercises && for a in $(ASSIGNMENTS); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" nbgrader generate_assignment $$a --force --log-level=WARN \
	    || exit 1; \
	done
	@echo "Student versions in exercises/release/ ($(words $(ASSIGNMENTS)) assignments)"

# Grade every submission under exercises/submitted/<student>/<assignment>/, each
# in a sandbox, JOBS at a time (default: the number of cores); grades go to
# exercises/grades.csv, feedback to exercises/feedback/ (exercises/README.md).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
autograde: $(STAMP) graphviz bubblewrap
	cd exercises && PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/python -m adlab.autograde --jobs $(JOBS)

# JupyterLab's kernels talk to it over Unix sockets in Jupyter's private
# runtime folder, not TCP ports (ipykernel 7 warns about unencrypted TCP on every
# kernel start); as root (a container) Jupyter needs --allow-root.
# LAB_EXTRA adds options, e.g. make lab LAB_EXTRA=--no-browser
lab: $(STAMP) graphviz
	$(BIN)/jupyter lab --KernelManager.transport=ipc \
	  --KernelManager.ip="$$($(BIN)/jupyter --runtime-dir)/adlab-kernel" \
	  $$(test "$$(id -u)" = 0 && echo --allow-root) $(LAB_EXTRA)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_widgets.py

clean:
	rm -rf build .pytest_cache
