#!/usr/bin/env bash
# The sanitizer CI step (called by scripts/test.sh): builds the library, the CLI, the unit
# tests, the fuzz targets and the replay driver with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-14, -O1; the same tree scripts/fuzz.sh uses) and runs the unit tests, the ONNX node
# tests, the hostile-model tests and the fuzz regression corpus under them. Any report aborts
# the test that hit it. Benchmarks and examples are not built: build time, no added coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/sanitize_build.sh
start=$(date +%s)
configure_sanitize_build ON
nice -n 10 cmake --build "$sanitize_build" -j"$(nproc)" \
  --target seqrt_cli seqrt_unit_tests seqrt_fuzz_replay seqrt_fuzz_bytes seqrt_fuzz_model
built=$(date +%s)

export OMP_NUM_THREADS=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$sanitize_build"
# Node tests, hostile models (the RSS-under-cap check stays with the normal build: ASan's
# shadow memory is not the model's) and the fuzz regression corpus through ctest; the unit
# tests as one gtest process.
ctest --output-on-failure -j"$(nproc)" --timeout 900 -L 'node|hostile|fuzz' -E 'hostile/MemoryCap'
# From tests/, as ctest runs them: they find their scripts and data relative to their sources,
# whose paths ccache (with base_dir set) may have made relative to the build's tests/ folder.
(cd tests && SEQRT_CLI=$PWD/../seqrt ./seqrt_unit_tests --gtest_brief=1)
end=$(date +%s)
echo "test-sanitizers: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s"
