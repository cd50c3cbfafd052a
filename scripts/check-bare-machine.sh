#!/usr/bin/env bash
# The newcomer's test: runs the README Quickstart's commands, in README order, on a bare Debian 12
# (debootstrap --variant=minbase bookworm) into which the repository is cloned with ../shared beside
# it. A package the project forgets to install fails here even when this machine has it.
#
#   scripts/check-bare-machine.sh [--keep] [--only N]      (as root)
#
# Prints one line per command (ok/FAIL, seconds, and on failure the last meaningful line of its
# log), then the disk the root took; exits 1 if any command failed. The commands are read from the
# README itself, so the check cannot drift from what a newcomer is told to type. The clone is of
# the committed HEAD: uncommitted changes are not tested.
#   --keep    leave the root in place afterwards (its path is printed)
#   --only N  run only the first N commands
# Environment: SEQRT_BARE_DIR (work folder, default /var/tmp/seqrt-bare), SEQRT_BARE_CACHE (base
# tarball cache, default /var/cache/seqrt-bare), SEQRT_BARE_MIRROR (Debian mirror).
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/bare_root.sh
. "$repo/scripts/lib/bare_root.sh"

keep=0
only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --only) only=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-bare-machine: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

bare_root_require || exit 2
shared="$repo/../shared"
if [ ! -d "$shared" ]; then
  echo "check-bare-machine: $shared is missing; the tests read it beside the clone" >&2
  exit 2
fi

# The Quickstart's commands: the non-comment lines of the first ```sh block under "## Quickstart".
mapfile -t commands < <(awk '
  /^## / { in_section = ($0 == "## Quickstart") }
  in_section && /^```sh/ { in_block = 1; next }
  in_block && /^```/ { exit }
  in_block && !/^[[:space:]]*(#|$)/ { print }
' "$repo/README.md")
if [ ${#commands[@]} -eq 0 ]; then
  echo "check-bare-machine: found no commands in README.md's Quickstart sh block" >&2
  exit 2
fi
[ "$only" -gt 0 ] && commands=("${commands[@]:0:$only}")

work="${SEQRT_BARE_DIR:-/var/tmp/seqrt-bare}"
stamp=$(date +%Y%m%d-%H%M%S)
root="$work/root-$stamp"
logs="$work/logs-$stamp"
mkdir -p "$logs"

cleanup() {
  bare_root_umount_all
  if [ "$keep" -eq 0 ] && [ -d "$root" ]; then rm -rf --one-file-system "$root" "$root.debootstrap.log"; fi
}
trap cleanup EXIT
trap 'echo; echo "check-bare-machine: interrupted"; exit 130' INT TERM

echo "check-bare-machine: bare Debian 12 root in $root, logs in $logs"
t0=$(date +%s)
bare_root_create "$root" || exit 1
mkdir -p "$root/work"
git clone -q "$repo" "$root/work/seqrt" || { echo "check-bare-machine: git clone failed" >&2; exit 1; }
cp -a "$shared" "$root/work/shared"
bare_root_mount "$root"
echo "check-bare-machine: root ready in $(( $(date +%s) - t0 )) s (commit $(git -C "$repo" rev-parse --short HEAD))"

# The last line of a log that says something: skip blank lines and bare progress counters.
last_meaningful_line() {
  grep -v -E '^[[:space:]]*$|^[[:space:]]*\[ *[0-9]+%\]|^[[:space:]]*[0-9]+/[0-9]+ Test' "$1" | tail -n 1 | cut -c1-240
}

failed=0
i=0
for cmd in "${commands[@]}"; do
  i=$((i + 1))
  log="$logs/command-$i.log"
  start=$(date +%s)
  bare_root_run "$root" "cd /work/seqrt && $cmd" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  # Ctrl-C reaches the command first; a command that ends by it (130, or 143 for TERM) stops the
  # check here instead of starting the next one. The EXIT trap unmounts and cleans up.
  if [ $rc -eq 130 ] || [ $rc -eq 143 ]; then
    printf 'STOP  %5d s  %s (interrupted)\n' "$secs" "$cmd"
    exit 130
  fi
  if [ $rc -eq 0 ]; then
    printf 'ok    %5d s  %s\n' "$secs" "$cmd"
  else
    failed=1
    printf 'FAIL  %5d s  %s (exit %d): %s\n' "$secs" "$cmd" "$rc" "$(last_meaningful_line "$log")"
  fi
done

bare_root_umount_all
echo "disk used by the root: $(du -sh --one-file-system "$root" | cut -f1) (of which the clone with its build: $(du -sh "$root/work/seqrt" | cut -f1))"
[ "$keep" -eq 1 ] && echo "root kept at $root"
exit $failed
