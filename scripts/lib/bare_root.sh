# A bare Debian 12 root for checks that must not see what this machine happens to have installed.
# Sourced by scripts/check-bare-machine.sh and the .deb install check; needs root and debootstrap.
#
#   bare_root_create DIR      unpack a minbase bookworm root into DIR (base tarball cached)
#   bare_root_mount DIR       mount proc, sys, dev and dev/pts inside it
#   bare_root_run DIR CMD     run CMD with bash -c inside the root, in a clean environment
#   bare_root_umount_all      unmount everything bare_root_mount mounted (safe to call twice)
#   bare_root_inside          true when this script runs inside such a root
#
# The callers install `trap bare_root_umount_all EXIT` (and INT/TERM) so nothing stays mounted.
#
# Two properties of this workplace's network (not of the project) are carried into the root and
# nothing else is changed: the DNS resolver configuration, and the host's CA bundle, because the
# npm registry is reached through a TLS proxy whose authority the host trusts and a bare root does
# not. The bundle goes to a path of its own and is handed to npm/node through the environment,
# so Debian's ca-certificates inside the root stays exactly as a fresh install makes it.

BARE_CACHE_DIR="${SEQRT_BARE_CACHE:-/var/cache/seqrt-bare}"
BARE_MIRROR="${SEQRT_BARE_MIRROR:-http://deb.debian.org/debian}"
BARE_SUITE=bookworm
BARE_TARBALL="$BARE_CACHE_DIR/$BARE_SUITE-minbase.tgz"
BARE_HOST_CA=/usr/local/share/seqrt-host-ca/ca-certificates.crt
BARE_ROOT_MARKER=/etc/seqrt-bare-root
BARE_MOUNTS=()

bare_root_require() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "bare root: must run as root (debootstrap, chroot and mount need it)" >&2
    return 1
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "bare root: debootstrap is missing (Debian package debootstrap; scripts/install-deps.sh installs it)" >&2
    return 1
  fi
}

# The base tarball is downloaded once and reused: a minbase root is ~45 MB of packages.
bare_root_tarball() {
  [ -s "$BARE_TARBALL" ] && return 0
  mkdir -p "$BARE_CACHE_DIR"
  local tmp
  tmp=$(mktemp -d "$BARE_CACHE_DIR/make.XXXXXX")
  echo "bare root: downloading the $BARE_SUITE minbase packages into $BARE_TARBALL"
  if ! debootstrap --variant=minbase --make-tarball="$BARE_TARBALL.part" "$BARE_SUITE" "$tmp" "$BARE_MIRROR" \
      >"$BARE_CACHE_DIR/make-tarball.log" 2>&1; then
    rm -rf "$tmp" "$BARE_TARBALL.part"
    echo "bare root: debootstrap --make-tarball failed; see $BARE_CACHE_DIR/make-tarball.log" >&2
    return 1
  fi
  rm -rf "$tmp"
  mv "$BARE_TARBALL.part" "$BARE_TARBALL"
}

bare_root_create() {
  local dir=$1
  bare_root_require || return 1
  bare_root_tarball || return 1
  mkdir -p "$dir"
  if ! debootstrap --variant=minbase --unpack-tarball="$BARE_TARBALL" "$BARE_SUITE" "$dir" "$BARE_MIRROR" \
      >"$dir.debootstrap.log" 2>&1; then
    echo "bare root: debootstrap into $dir failed; see $dir.debootstrap.log" >&2
    return 1
  fi
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  mkdir -p "$dir$(dirname "$BARE_HOST_CA")"
  cp /etc/ssl/certs/ca-certificates.crt "$dir$BARE_HOST_CA"
  # Scripts run inside can tell they are in one of these roots (and not nest another).
  echo "a bare root made by seqrt's scripts/lib/bare_root.sh" >"$dir$BARE_ROOT_MARKER"
}

bare_root_mount() {
  local dir=$1
  mount -t proc proc "$dir/proc" && BARE_MOUNTS+=("$dir/proc")
  mount -t sysfs sysfs "$dir/sys" && BARE_MOUNTS+=("$dir/sys")
  mount --bind /dev "$dir/dev" && BARE_MOUNTS+=("$dir/dev")
  mount --bind /dev/pts "$dir/dev/pts" && BARE_MOUNTS+=("$dir/dev/pts")
}

bare_root_umount_all() {
  local i m
  for ((i = ${#BARE_MOUNTS[@]} - 1; i >= 0; i--)); do
    m=${BARE_MOUNTS[$i]}
    mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m"; }
  done
  BARE_MOUNTS=()
}

# A clean environment: what a root login on a new machine has, plus the CA bundle for npm/node.
bare_root_run() {
  local dir=$1
  shift
  env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_EXTRA_CA_CERTS="$BARE_HOST_CA" npm_config_cafile="$BARE_HOST_CA" \
    chroot "$dir" /bin/bash -c "$*"
}

bare_root_inside() { [ -e "$BARE_ROOT_MARKER" ]; }
