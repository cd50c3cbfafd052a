#!/usr/bin/env bash
# README command (2): installs what is missing, builds with warnings as errors, and runs the
# whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-ort.sh
scripts/build.sh -DSEQRT_WERROR=ON
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
