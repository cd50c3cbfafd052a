#!/usr/bin/env bash
# README command (1): the showcase, end to end — installs what is missing, builds, generates the
# spoken-digit data, trains SimpleRNN(128) x2 -> Dense(10) with seqrt's trainer, exports ONNX,
# evaluates with seqrt's runtime on unseen voices, transcribes a WAV file, and runs `seqrt perf`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/spoken_digits_job.sh "$@"
