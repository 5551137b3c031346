# adlab: `make course` builds the course into build/, `make test` runs the tests.
# Both create .venv and install adlab with its extras on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.adlab-installed
# a second environment with Colab's ipywidgets 7.7, for the widget tests
IPW7   := .venv-ipywidgets7
IPW7_STAMP := $(IPW7)/.adlab-installed

.PHONY: test course lab graphviz chromium bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	@touch $(STAMP)

$(IPW7_STAMP): pyproject.toml
	@test -x $(IPW7)/bin/python || $(PYTHON) -m venv $(IPW7)
	$(IPW7)/bin/python -m pip install --quiet 'ipywidgets==7.7.1' matplotlib sympy graphviz \
	  pytest hypothesis numpy
	$(IPW7)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(IPW7_STAMP)

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

# Graphviz's `dot` renders the dependency graphs.
graphviz:
	$(call apt-install,command -v dot >/dev/null 2>&1,graphviz,$(GRAPHVIZ_HINT))

# Debian's chromium runs the real-browser test (Playwright's own browser
# download does not work everywhere).
chromium:
	$(call apt-install,test -x /usr/bin/chromium,chromium,$(CHROMIUM_HINT))

test: $(STAMP) $(IPW7_STAMP) graphviz chromium
	$(BIN)/python -m pytest -q

course: $(STAMP) graphviz
	$(BIN)/python -m adlab.demo build
	$(BIN)/python -m adlab.course build build

lab: $(STAMP) graphviz
	$(BIN)/jupyter lab

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_widgets.py

clean:
	rm -rf build .pytest_cache
