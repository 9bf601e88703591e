#!/usr/bin/env bash
# The README's test command: a venv with torch==2.13.0 (CPU, pinned first so pip never pulls
# the CUDA build), the project with its [train,dev,serve,serve-test] extras, then the whole test
# suite. The browser test of `serve` also needs Debian's chromium (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e '.[train,dev,serve,serve-test]'
.venv/bin/python -m pytest -ra "$@"
