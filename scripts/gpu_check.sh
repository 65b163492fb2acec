#!/usr/bin/env bash
# The GPU check of issue 6 (benchmarks/gpu_check.py): the four methods through ml.train on CUDA,
# then a short real MiniLM run; prints JSON. Falls back to the CPU where no GPU is present.
#
#   scripts/gpu_check.sh --prepare [DIR]    here: the fp16 MiniLM + a data sample into DIR (.gpu-check),
#                                           and the wheels the GPU image lacks into .whl/
#   scripts/gpu_check.sh [--tiny] [--assets DIR] [--json-out FILE]
#                                           there (or here): run it; --tiny for a CPU test in seconds
#
# The GPU machine has no internet and no pip index: it gets DIR and .whl/ through the device tool's
# `carry`, and this script installs the carried wheels into a temporary target first.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

# ml.data needs `datasets`, which the GPU image lacks; dill and multiprocess are its two needs
# that it lacks too (every other one is there). Pinned as in pyproject / our venv.
WHEELS=(datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19)

if [[ "${1:-}" == "--prepare" ]]; then
  dir="${2:-.gpu-check}"
  "$PYTHON" benchmarks/gpu_check.py prepare --out "$dir"
  "$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d .whl "${WHEELS[@]}"
  du -sh "$dir" .whl
  exit 0
fi

if compgen -G ".whl/*.whl" >/dev/null && ! "$PYTHON" -c "import datasets" 2>/dev/null; then
  site="$(mktemp -d /tmp/gpu-check-site.XXXXXX)"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi

export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONUNBUFFERED=1
exec "$PYTHON" benchmarks/gpu_check.py run "$@"
