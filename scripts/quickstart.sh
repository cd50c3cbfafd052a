#!/usr/bin/env bash
# README command (1): installs what is missing, builds Release, and runs the main job on an
# example model shipped in the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (Release)"
scripts/build.sh
model=build/examples/mlp_classifier.onnx
mkdir -p build/examples
/usr/bin/python3 examples/models/make_example_model.py "$model"
echo "== seqrt info $model"
build/seqrt info "$model"
echo "== seqrt run $model"
build/seqrt run "$model" --shape x=1x40 -S 1 --print
echo "== seqrt perf $model"
build/seqrt perf "$model" --shape x=1x40 -r 200
