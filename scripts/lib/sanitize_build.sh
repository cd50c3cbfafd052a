# Configures the one sanitizer build tree (clang-14, -O1 -g, ASan + UBSan, libFuzzer coverage
# instrumentation) that both scripts/fuzz.sh and scripts/test-sanitizers.sh use, so the
# library is compiled with sanitizers once. Sourced; sets $sanitize_build.
sanitize_build=${SEQRT_SANITIZE_BUILD_DIR:-build-fuzz}
configure_sanitize_build() {
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$sanitize_build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
    -DSEQRT_BUILD_TESTS="${1:-OFF}" -DSEQRT_BUILD_BENCHMARKS=OFF -DSEQRT_BUILD_EXAMPLES=OFF \
    -DSEQRT_SANITIZE=address,undefined -DSEQRT_BUILD_FUZZERS=ON >/dev/null
}
