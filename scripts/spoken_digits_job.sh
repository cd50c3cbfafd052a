#!/usr/bin/env bash
# The showcase (issue #7): spoken digits from espeak-ng → MFCC → SimpleRNN(128) ×2 → Dense(10)
# trained by seqrt's built-in trainer, exported to ONNX, evaluated by seqrt's runtime on voices
# never heard in training, one example file transcribed, and `seqrt perf` on the model.
# Installs what is missing and builds first (timed apart from the job itself).
#   scripts/spoken_digits_job.sh [extra `spoken-digits train` options, e.g. --epochs 10]
# Environment: BUILD_DIR (default build), SPOKEN_DIGITS_CACHE (default $BUILD_DIR/spoken_digits/cache).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
out="$build/spoken_digits"
cache="${SPOKEN_DIGITS_CACHE:-$out/cache}"
bin="$build/spoken-digits"
threads=$(nproc)

stamp() { date +%s; }
t0=$(stamp)
echo "== installing what is missing"
scripts/install-deps.sh
echo "== building spoken-digits and seqrt (Release)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j"$threads" --target spoken_digits seqrt_cli
t1=$(stamp)

mkdir -p "$out"
echo "== 1/3 data: espeak-ng voices, cached in $cache"
"$bin" data --cache "$cache"
t2=$(stamp)
echo "== 2/3 train: SimpleRNN(128, return_sequences) -> SimpleRNN(128) -> Dense(10, softmax), Adam"
"$bin" train --out "$out/model.onnx" --cache "$cache" "$@"
t3=$(stamp)
echo "== 3/3 eval: the exported model, run by seqrt, on the test voices"
"$bin" eval "$out/model.onnx" --cache "$cache" --png "$out/confusion.png"
t4=$(stamp)

sample=$(ls "$cache"/*/samples/seven.wav | head -n 1)
echo "== transcribe $sample (stereo, float, 44.1 kHz, a test voice)"
"$bin" transcribe "$out/model.onnx" "$sample"
echo "== seqrt perf $out/model.onnx (batch 1, 80 frames)"
"$build/seqrt" perf "$out/model.onnx" --shape x=1x80x26 -r 200

echo
echo "install + build: $((t1 - t0)) s"
echo "data: $((t2 - t1)) s, train: $((t3 - t2)) s, eval: $((t4 - t3)) s; data + train + eval: $((t4 - t1)) s"
echo "confusion matrix plot: $out/confusion.png"
