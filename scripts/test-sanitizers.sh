#!/usr/bin/env bash
# The sanitizer CI step (called by scripts/test.sh): builds the library, the CLI, the unit
# tests and the fuzz replay driver with AddressSanitizer + UndefinedBehaviorSanitizer (g++,
# -O1) and runs the unit tests, the ONNX node tests, the hostile-model tests and the fuzz
# regression corpus under them. Any report aborts the test that hit it.
# Benchmarks and examples are not built here: they add build time and no coverage the tests lack.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SEQRT_SANITIZE_BUILD_DIR:-build-sanitize}
start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" -DSEQRT_WERROR=ON \
  -DSEQRT_SANITIZE=address,undefined -DSEQRT_BUILD_BENCHMARKS=OFF -DSEQRT_BUILD_EXAMPLES=OFF >/dev/null
nice -n 10 cmake --build "$build" -j"$(nproc)" --target seqrt_cli seqrt_unit_tests seqrt_fuzz_replay
built=$(date +%s)

export OMP_NUM_THREADS=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:suppressions=$PWD/tests/sanitizer/lsan.supp
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
# Unit tests (one gtest process), node tests, hostile models (the RSS-under-cap check is left
# to the normal build: ASan's shadow memory is not the model's), fuzz regression corpus.
ctest --output-on-failure -j"$(nproc)" --timeout 900 -L 'node|hostile|fuzz' -E 'hostile/MemoryCap'
SEQRT_CLI=$PWD/seqrt ./tests/seqrt_unit_tests --gtest_brief=1
end=$(date +%s)
echo "test-sanitizers: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s"
