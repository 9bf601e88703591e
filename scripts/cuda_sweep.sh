#!/usr/bin/env bash
# Recipes side by side on a lent GPU machine (one process per run, one CPU thread each, all on
# the one GPU), for choices made on validation: each run writes OUT/NAME/{metrics.json,
# checkpoint.pt,train.log}. Same install as cuda_check.sh (no download). Runs past LIMIT seconds
# are stopped, so what finished still comes back.
#   LIMIT=420 bash scripts/cuda_sweep.sh OUT 'NAME:options' 'NAME:options' ...
set -o pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:?usage: scripts/cuda_sweep.sh OUT NAME:options...}" && cd "$1" && pwd); shift
. "$REPO/scripts/gpu_site.sh"  # SITE: the project installed there, the working folder
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"; } \
    > "$OUT/gpu.txt" 2>&1
for spec in "$@"; do
  name=${spec%%:*}; mkdir -p "$OUT/$name"
  # shellcheck disable=SC2086  # the options are words
  ( start=$(date +%s)
    timeout "${LIMIT:-420}" python3 -m mnist_edge train --device cuda --threads 1 \
        --out "$SITE/$name" ${spec#*:} > "$OUT/$name/train.log" 2>&1
    echo "rc $? wall_s $(( $(date +%s) - start ))" >> "$OUT/$name/train.log"
    cp "$SITE/$name"/{metrics.json,checkpoint.pt} "$OUT/$name/" 2>/dev/null ) &
done
wait
