# Sourced by cuda_check.sh and cuda_sweep.sh: on a GPU machine whose python3 already holds a CUDA
# build of torch, install the project without its dependencies (nothing is downloaded) into a
# fresh folder, SITE, and work from there (not the repo: its mnist_edge/ folder lacks
# mnist_edge.train, which pyproject maps from train/). Needs REPO set.
export PYTHONUNBUFFERED=1 MNIST_EDGE_DATA_DIR=${MNIST_EDGE_DATA_DIR:-$REPO/.mnist}
SITE=$(mktemp -d)
python3 -m pip install -q --no-deps --no-build-isolation --no-index --no-compile \
    --target "$SITE" "$REPO" || exit 1
export PYTHONPATH=$SITE
cd "$SITE" || exit 1
