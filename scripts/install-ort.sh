#!/usr/bin/env bash
# Installs ONNX Runtime for Node (onnxruntime-node@1.30.0, pinned in
# benchmarks/compare_ort/package.json) into benchmarks/compare_ort/node_modules. It is the peer
# that benchmarks and agreement tests run against — never a dependency of seqrt itself.
# --ignore-scripts: the package's install script only fetches GPU files from a host this machine
# cannot reach; the CPU library ships inside the package.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../benchmarks/compare_ort" && pwd)"
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
  echo "install-ort: onnxruntime-node present"
  exit 0
fi
echo "install-ort: installing onnxruntime-node@1.30.0 into $dir/node_modules"
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
