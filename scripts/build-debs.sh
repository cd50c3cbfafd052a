#!/usr/bin/env bash
# Builds the Debian packages libseqrt0, libseqrt-dev, seqrt and python3-seqrt with CPack, in a build
# tree of their own configured for the system prefix (/usr), and puts the .deb files in OUT_DIR.
#
#   scripts/build-debs.sh [OUT_DIR]          (default: dist/ in the repository)
#
# Environment: SEQRT_DEB_BUILD_DIR (default build-deb/ in the repository).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/dist}"
build="${SEQRT_DEB_BUILD_DIR:-$repo/build-deb}"
jobs="${SEQRT_JOBS:-2}"

for tool in cmake cpack dpkg-shlibdeps dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-debs: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DSEQRT_BUILD_TESTS=OFF -DSEQRT_BUILD_BENCHMARKS=OFF -DSEQRT_BUILD_EXAMPLES=OFF -DSEQRT_BUILD_PYTHON=ON -DSEQRT_WERROR=ON \
  "${launcher[@]}" >/dev/null
nice -n 10 cmake --build "$build" -j"$jobs"
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
mkdir -p "$out"
rm -f "$out"/libseqrt0_*.deb "$out"/libseqrt-dev_*.deb "$out"/seqrt_*.deb "$out"/python3-seqrt_*.deb
mv "$build"/*.deb "$out"/
for deb in "$out"/*.deb; do
  printf '%s\n  Depends: %s\n' "$(basename "$deb")" "$(dpkg-deb -f "$deb" Depends)"
done
