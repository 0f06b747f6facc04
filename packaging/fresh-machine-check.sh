#!/usr/bin/env bash
# Runs the README's two commands on a fresh Debian 12 (bookworm), as a new user would: builds a
# clean root with debootstrap (Debian's minimal system + git), clones this repository into it
# (committed files only), puts the shared data beside the clone, and runs there, with a clean
# environment (no CUDA toolkit, no CUDA_HOME, nothing on PATH but Debian's folders):
#   1. bash packaging/test.sh       installs, builds, runs the whole test suite;
#   2. bash packaging/workbench.sh  under xvfb-run: the workbench must open and stay up;
#   3. with a CUDA toolkit at /usr/local/cuda (the host's, bound read-only) but not on PATH:
#      configure again (the default, which ignores it), and with the toolkit named
#      (-DGLOSSA_CUDA_TOOLKIT) configure and build the training engine's worker.
# Each step prints PASS or FAIL with its time; the script exits non-zero if one failed.
#
#   sudo bash packaging/fresh-machine-check.sh [ROOT]       # ROOT default /var/tmp/glossa-fresh
#
# Environment: GLOSSA_SHARED_DATA (default ../shared/data), MIRROR (default deb.debian.org),
# KEEP=1 keeps ROOT afterwards (it is reused as is when it exists: delete it for a fresh run),
# CUDA_TOOLKIT (default /usr/local/cuda; step 3 is skipped when it is absent).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${1:-/var/tmp/glossa-fresh}"
shared="$(cd "${GLOSSA_SHARED_DATA:-$repo/../shared/data}" && pwd)"
mirror="${MIRROR:-http://deb.debian.org/debian}"
toolkit="${CUDA_TOOLKIT:-/usr/local/cuda}"
[[ $(id -u) -eq 0 ]] || { echo "fresh-machine-check: run as root (debootstrap, chroot)" >&2; exit 2; }

log() { echo "[fresh] $*" >&2; }
mounts=()
cleanup() {
  local m
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
bind() {  # bind SOURCE TARGET [ro]
  mkdir -p "$2"
  mount --rbind "$1" "$2"
  mounts+=("$2")
  if [[ ${3:-} == ro ]]; then mount -o remount,bind,ro "$2"; fi
}

if [[ ! -x $root/usr/bin/git ]]; then
  command -v debootstrap >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap; }
  log "debootstrap bookworm into $root"
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$mirror" >&2
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
bind /sys "$root/sys"
bind /dev "$root/dev"
rm -rf "$root/work" && mkdir -p "$root/work/shared"
git clone -q "$repo" "$root/work/glossa"
bind "$shared" "$root/work/shared/data" ro

# The certificates this machine trusts (a network behind a TLS-inspecting proxy needs its CA for
# pip to reach PyPI, as a user's machine on that network would trust it).
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/host-ca-certificates.crt"

# A login as a new user gets: HOME, Debian's PATH, a UTF-8 locale, and the network's
# certificates for pip. Nothing else.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/host-ca-certificates.crt \
    bash -c "cd /work/glossa && $1"
}
failed=0
step() {  # step NAME COMMAND
  local start=$SECONDS
  if in_root "$2"; then
    log "PASS $1 ($((SECONDS - start)) s)"
  else
    log "FAIL $1 ($((SECONDS - start)) s)"
    failed=1
  fi
}

step "test.sh (setup, build, every test)" "bash packaging/test.sh"
# The workbench must still be running when the timeout stops it (status 124). The build is made
# first, so that the timeout measures the window, not the compiler.
step "workbench.sh opens the demo project and stays up" \
  "bash packaging/build.sh >/dev/null && { xvfb-run -a timeout 30 bash packaging/workbench.sh; \
   test \$? -eq 124; }"
if [[ -x $toolkit/bin/nvcc ]]; then
  bind "$toolkit" "$root/usr/local/cuda" ro
  venv=/root/.local/share/glossa/venv
  configure="cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=Release -DGLOSSA_PYTHON=$venv/bin/python"
  step "CUDA toolkit at /usr/local/cuda, not on PATH: configure (default: the wheel's headers)" \
    "$configure -B build-cuda-default >/dev/null"
  step "the same, the toolkit named: configure and build glossa-worker" \
    "$configure -B build-cuda-toolkit -DGLOSSA_CUDA_TOOLKIT=/usr/local/cuda >/dev/null && \
     cmake --build build-cuda-toolkit --target glossa-worker >/dev/null"
else
  log "skip: no CUDA toolkit at $toolkit for step 3"
fi
exit $failed
