#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) and runs one for a given time.
#
#   scripts/fuzz.sh bytes|model SECONDS [extra libFuzzer flags...]
#
# Seeds: the shared real and benchmark models under 70 KB (small ones keep executions fast) (read in place, never copied) and
# the regression corpus tests/fuzz_corpus/. The working corpus grows in build-fuzz/corpus-TARGET;
# crashes land in build-fuzz/findings-TARGET/ (minimise one with -minimize_crash=1, then add it
# to tests/fuzz_corpus/ once fixed). Runs at the lowest CPU priority: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh bytes|model SECONDS}
seconds=${2:?usage: scripts/fuzz.sh bytes|model SECONDS}
shift 2
shared=${SEQRT_SHARED_DIR:-$PWD/../shared}
source scripts/lib/sanitize_build.sh
build=$sanitize_build

if [ ! -x "$build/fuzz/seqrt_fuzz_$target" ]; then
  [ -f "$build/CMakeCache.txt" ] || configure_sanitize_build OFF
  nice -n 10 cmake --build "$build" -j2 --target "seqrt_fuzz_$target"
fi

corpus="$build/corpus-$target"
findings="$build/findings-$target"
seeds="$build/seeds"
mkdir -p "$corpus" "$findings" "$seeds"
# Seeds are linked, not copied: the shared models stay read in place.
if [ -d "$shared/models" ]; then
  find "$shared/models" -name "*.onnx" -size -70k | while read -r m; do
    ln -sf "$m" "$seeds/$(echo "${m#"$shared"/models/}" | tr '/' '_')"
  done
else
  echo "fuzz.sh: $shared/models is absent; seeding from tests/fuzz_corpus only" >&2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1
exec nice -n 19 "$build/fuzz/seqrt_fuzz_$target" "$corpus" "$seeds" tests/fuzz_corpus \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=300000 \
  -artifact_prefix="$findings/" -print_final_stats=1 "$@"
