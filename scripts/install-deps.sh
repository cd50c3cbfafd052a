#!/usr/bin/env bash
# Installs the Debian 12 packages seqrt builds, tests and benchmarks with (as root; a no-op
# when everything is present). Nothing is downloaded from anywhere but Debian's repository.
set -euo pipefail

# Every package is named here: installs run with --no-install-recommends, so anything a package
# only recommends (or a machine happens to have) must be listed to reach a bare Debian 12.
packages=(
  # toolchain and the tools the scripts call
  build-essential cmake pkg-config ccache git ca-certificates debootstrap
  # libraries; ocl-icd-opencl-dev: Debian's oneDNN is built with its OpenCL runtime, and
  # dnnl-config.cmake calls find_package(OpenCL), which libdnnl-dev only recommends
  libdnnl-dev ocl-icd-opencl-dev libonnx-dev libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libonnx-testdata
  nlohmann-json3-dev
  # fuzzing (scripts/fuzz.sh): libFuzzer and the sanitizer runtimes ship with clang-14's
  # compiler-rt; clang's -fopenmp links LLVM's OpenMP runtime
  clang-14 libclang-rt-14-dev libomp-14-dev
  # Python: the test scripts run under /usr/bin/python3 and import these
  python3 python3-onnx python3-numpy python3-torch python3-pytest
  # tests/exporter_patterns/torch_audio_patterns.py builds its mel front end with torchaudio
  python3-torchaudio
  # the Python module `seqrt` (python/): built with pybind11 against Debian's python3 headers
  pybind11-dev python3-dev
  # scripts/build-debs.sh: CPack's DEB generator calls dpkg-shlibdeps (dpkg-dev, also in build-essential)
  dpkg-dev
  # the showcase's audio libraries
  espeak-ng libespeak-ng-dev libsndfile1-dev libsamplerate0-dev libfftw3-dev libstb-dev
)

# ONNX Runtime (the peer in benchmarks and agreement tests) comes from npm: this machine kind
# ships Node.js and npm; fall back to Debian's only when they are absent.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (or install the packages above yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
