#!/usr/bin/env bash
# The model spoken_digits_reduced_test.sh exported runs unchanged in ONNX Runtime
# (onnxruntime-node 1.30.0, the package benchmarks/compare_ort uses) with the same predictions
# as seqrt on every test utterance. Fails — never skips — when ONNX Runtime cannot be had.
#   spoken_digits_ort_test.sh WORK_DIR
set -euo pipefail
work="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ort_dir="$here/../benchmarks/compare_ort"
for f in "$work/model.onnx" "$work/probabilities.npy"; do
  [[ -f "$f" ]] || { echo "FAIL: $f missing (spoken_digits/reduced_end_to_end must run first)" >&2; exit 1; }
done
inputs=$(ls "$work"/cache/*/test_x.npy | head -n 1)
if ! command -v node > /dev/null; then
  echo "FAIL: node is not installed, so ONNX Runtime (onnxruntime-node) cannot run (scripts/install-deps.sh)" >&2
  exit 1
fi
if [[ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]]; then
  echo "installing onnxruntime-node@1.30.0 into $ort_dir/node_modules" >&2
  # Its install script only fetches GPU files from a host we cannot reach; the CPU library ships
  # in the package.
  if ! (cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund >&2); then
    echo "FAIL: could not install onnxruntime-node@1.30.0 from npm" >&2
    exit 1
  fi
fi
exec node "$here/spoken_digits_ort_check.mjs" --ort-dir "$ort_dir" --model "$work/model.onnx" \
  --inputs "$inputs" --expected "$work/probabilities.npy"
