#!/usr/bin/env bash
# Side-by-side seqrt vs ONNX Runtime on the shared benchmark models, T=100, batch 1 and 64.
# Prints a Markdown table on stdout (for benchmarks/RESULTS.md); progress on stderr.
#   benchmarks/compare_ort/run.sh [extra compare_ort.mjs options, e.g. --threads 2 --rounds 6]
# Environment: SEQRT (the binary, default build/seqrt), MODELS (default ../shared/models/bench/*.onnx).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seqrt="${SEQRT:-$repo/build/seqrt}"
if [[ ! -x "$seqrt" ]]; then
  echo "run.sh: no seqrt binary at $seqrt (build target seqrt_cli or set SEQRT)" >&2
  exit 1
fi
"$repo/scripts/install-ort.sh" >&2
if [[ -n "${MODELS:-}" ]]; then
  read -r -a models <<< "$MODELS"
else
  models=("$repo"/../shared/models/bench/*.onnx)
fi
exec node "$here/compare_ort.mjs" --seqrt "$seqrt" --time 100 --batch 1,64 "$@" "${models[@]}"
