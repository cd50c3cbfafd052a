#!/usr/bin/env bash
# Builds the .deb packages (scripts/build-debs.sh) and installs them with `apt-get install ./*.deb`
# into a bare Debian 12 root (scripts/lib/bare_root.sh), then checks there that
#   - `seqrt --help` and `seqrt info MODEL` work,
#   - `python3 -c 'import seqrt'` works, and a model trained by seqrt.train runs in an
#     InferenceSession with the same outputs as TrainedModel.predict,
#   - the installed files are where Debian expects them.
# Needs root and debootstrap; exits 77 (ctest: skipped) saying why when it cannot run.
#
#   scripts/test-debs.sh [--keep]
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/bare_root.sh
. "$repo/scripts/lib/bare_root.sh"
keep=0
[ "${1:-}" = "--keep" ] && keep=1

if ! bare_root_require; then
  echo "test-debs: cannot run here (see above): the .deb install check was NOT done"
  exit 77
fi
# Inside a bare root (the bare-machine check runs README command (2) in one) this check would
# debootstrap and mount a second root from within the first; the outer check has just shown
# that a bare Debian 12 installs everything, so it is skipped there, saying so.
if bare_root_inside; then
  echo "test-debs: running inside a bare root made by scripts/lib/bare_root.sh: the .deb install check was NOT done here"
  exit 77
fi

work="${SEQRT_BARE_DIR:-/var/tmp/seqrt-bare}"
stamp=$(date +%Y%m%d-%H%M%S)
root="$work/debs-root-$stamp"
debs="$work/debs-$stamp"
cleanup() {
  bare_root_umount_all
  if [ "$keep" -eq 0 ]; then rm -rf --one-file-system "$root" "$root.debootstrap.log" "$debs"; fi
}
trap cleanup EXIT
trap 'echo "test-debs: interrupted"; exit 130' INT TERM

echo "test-debs: building the packages into $debs"
"$repo/scripts/build-debs.sh" "$debs" || { echo "test-debs: FAIL: build-debs.sh failed"; exit 1; }
count=$(ls "$debs"/*.deb 2>/dev/null | wc -l)
[ "$count" -eq 4 ] || { echo "test-debs: FAIL: expected 4 packages, got $count"; exit 1; }

echo "test-debs: bare Debian 12 root in $root"
bare_root_create "$root" || { echo "test-debs: FAIL: could not create the bare root"; exit 1; }
mkdir -p "$root/tmp/debs"
cp "$debs"/*.deb "$root/tmp/debs/"
bare_root_mount "$root"

run() {
  local what=$1
  shift
  if bare_root_run "$root" "$*" >"$root.step.log" 2>&1; then
    echo "ok    $what"
  else
    echo "FAIL  $what:"
    tail -n 20 "$root.step.log" | sed 's/^/      /'
    failed=1
  fi
}
failed=0
run "apt-get install ./*.deb" \
  "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && cd /tmp/debs && apt-get install -y -qq --no-install-recommends ./*.deb"
run "seqrt --help" "seqrt --help | head -n 3"
run "python3 -c 'import seqrt'" "cd /tmp && python3 -c 'import seqrt; print(seqrt.__file__, seqrt.get_available_providers())'"
# A model made inside the root (the trainer needs nothing but numpy), then run both ways.
run "train, save, seqrt info, InferenceSession" "cd /tmp && python3 - <<'PY'
import numpy as np, seqrt, subprocess
rng = np.random.default_rng(0)
x = rng.standard_normal((64, 5, 3)).astype(np.float32)
y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
m = seqrt.train(x, y, layers='gru:8,dense:2', epochs=2)
m.save('/tmp/m.onnx')
print(subprocess.run(['seqrt', 'info', '/tmp/m.onnx'], check=True, capture_output=True, text=True).stdout)
got = seqrt.InferenceSession('/tmp/m.onnx').run(None, {'x': x})[0]
want = m.predict(x)
assert np.allclose(got, want, rtol=1e-4, atol=1e-6), abs(got - want).max()
print('InferenceSession agrees with predict on', got.shape)
PY"
run "files in Debian's places" \
  "test -e /usr/lib/x86_64-linux-gnu/libseqrt.so.0 && test -e /usr/include/seqrt/c_api.h && test -e /usr/lib/x86_64-linux-gnu/cmake/seqrt/seqrtConfig.cmake && test -e /usr/lib/x86_64-linux-gnu/pkgconfig/seqrt.pc && ls /usr/lib/python3/dist-packages/seqrt/_seqrt*.so"
[ "$keep" -eq 1 ] && echo "test-debs: root kept at $root, packages in $debs"
if [ "$failed" -eq 0 ]; then echo "test-debs: all checks passed"; else echo "test-debs: FAILED"; fi
exit $failed
