#!/usr/bin/env bash
# The CUDA training path, proven on a GPU machine whose python3 already holds a CUDA build of
# torch (and numpy, Pillow, onnxruntime, typer, rich, matplotlib, pytest): the project is
# installed without its dependencies (nothing is downloaded), tests/train/test_cuda.py runs,
# then the default recipe trains on cuda. Writes into OUT: gpu.txt, pytest.txt, train.log (with
# the wall time), metrics.json, checkpoint.pt, curve.png (bench/results/train_cuda* hold one run).
#   MNIST_EDGE_DATA_DIR=DIR bash scripts/cuda_check.sh OUT [more `mnist-edge train` options]
# MNIST_EDGE_DATA_DIR defaults to .mnist/ in the repo (the four IDX .gz files copied there).
set -o pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:?usage: scripts/cuda_check.sh OUT [train options]}" && cd "$1" && pwd); shift
. "$REPO/scripts/gpu_site.sh"  # SITE: the project installed there, the working folder
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc
  python3 -c "import sys, torch, numpy; print(sys.version.split()[0], 'torch', torch.__version__,
'cuda', torch.version.cuda, 'numpy', numpy.__version__,
torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no cuda')"
} 2>&1 | tee "$OUT/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs "$REPO/tests/train/test_cuda.py" 2>&1 | tail -15 \
    | tee "$OUT/pytest.txt"
start=$(date +%s.%N)
python3 -m mnist_edge train --device cuda --out "$SITE/run" "$@" 2>&1 | tee "$OUT/train.log"
python3 -c "print('wall_s', round($(date +%s.%N) - $start, 1))" | tee -a "$OUT/train.log"
cp "$SITE"/run/{metrics.json,checkpoint.pt,curve.png} "$OUT/"
