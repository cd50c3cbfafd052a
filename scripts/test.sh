#!/usr/bin/env bash
# README command (2): installs what is missing, builds with warnings as errors, and runs the
# whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-ort.sh
# SEQRT_TEST_DEBS: ctest also builds the .deb packages and installs them into a bare Debian 12
# root (issue 17; it reports itself skipped when not root, or when already inside a chroot).
scripts/build.sh -DSEQRT_WERROR=ON -DSEQRT_TEST_DEBS=ON
cd build
# ctest runs one test per core at once; with OpenMP's default of a thread per core in each,
# oneDNN's spinning threads oversubscribe the machine (the oneDNN gradient checks ran 100x
# slower next to each other). Tests about thread counts set them explicitly.
export OMP_NUM_THREADS=1
ctest --output-on-failure -j"$(nproc)" --timeout 900
# The sanitizer step (issue 18): the library, CLI, unit tests and fuzz targets rebuilt with
# ASan + UBSan (clang-14), then unit, node, hostile-model and fuzz-regression tests under them.
# On by default (about 10 minutes cold on 2 cores, less with a warm ccache); SEQRT_SANITIZERS=0
# skips it.
cd ..
if [ "${SEQRT_SANITIZERS:-1}" != 0 ]; then scripts/test-sanitizers.sh; fi
