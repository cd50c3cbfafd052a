#!/usr/bin/env bash
# silero-vad streamed through a seqrt::Stream (state bound automatically) matches the host
# loop users write against ONNX Runtime (onnxruntime-node 1.30.0, as benchmarks/compare_ort).
# Fails — never skips — when ONNX Runtime or the model cannot be had.
#   stream_silero_ort_test.sh CHECK_BINARY MODEL WORK_DIR BATCH
set -euo pipefail
check="$1" model="$2" work="$3" batch="$4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ort_dir="$here/../benchmarks/compare_ort"
[[ -f "$model" ]] || { echo "FAIL: $model is missing (the shared models folder is needed)" >&2; exit 1; }
command -v node > /dev/null || { echo "FAIL: node is not installed, so ONNX Runtime cannot run (scripts/install-deps.sh)" >&2; exit 1; }
if [[ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]]; then
  "$here/../scripts/install-ort.sh" >&2 || { echo "FAIL: could not install onnxruntime-node@1.30.0 from npm" >&2; exit 1; }
fi
rm -rf "$work" && mkdir -p "$work"
node "$here/stream_silero_ort.mjs" --ort-dir "$ort_dir" --model "$model" --out "$work" --chunks 40 --batch "$batch"
exec "$check" "$model" "$work"
