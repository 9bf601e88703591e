#!/usr/bin/env bash
# The README's test command: a venv with torch==2.13.0 (CPU, pinned first so pip never pulls
# the CUDA build), the project with its [train,tflite,serve,serve-test,openvino,dev] extras, then the
# whole test suite. The browser test of `serve` also needs Debian's chromium (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q torch==2.13.0
# [tflite] (LiteRT, tests/train/test_tflite.py); litert-torch comes without its dependencies
# (pyproject.toml says why); the constraint keeps torch at the pinned CPU build.
.venv/bin/pip install -q -c <(echo torch==2.13.0) -e '.[train,tflite,serve,serve-test,openvino,dev]'
.venv/bin/pip install -q --no-deps litert-torch==0.10.0 litert-converter==0.5.0 torchao==0.18.0
.venv/bin/python -m pytest -ra "$@"
