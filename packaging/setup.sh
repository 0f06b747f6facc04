#!/usr/bin/env bash
# Installs everything Glossa needs on Debian 12: the Debian packages (apt-get) and a Python
# virtual environment OUTSIDE the source tree with LibTorch (the pinned PyPI torch wheel) and the
# reference implementations the tests compare against. Idempotent: when everything is in place it
# only checks and returns within seconds.
#
#   bash packaging/setup.sh            # install what is missing
#   GLOSSA_VENV=/path bash packaging/setup.sh   # use another virtual environment
#
# Prints the virtual environment's path on the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${GLOSSA_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/glossa/venv}"
requirements="$here/requirements.txt"

debian_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6 qt6-svg-dev
  libsentencepiece-dev sentencepiece
  libsqlite3-dev sqlite3 libssl-dev
  libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev
  libzstd-dev zstd zlib1g-dev libicu-dev
  xvfb xauth
  fonts-nanum  # Hangul in the workbench (tokens, previews) and its screenshots
  socat  # talking to glossa-backend by hand (docs/protocol.md)
  python3 python3-venv python3-pip
  clang libclang-rt-14-dev
  bc time  # benchmark scripts (bench/*.sh)
)

log() { echo "[setup] $*" >&2; }

missing_packages() {
  local p
  for p in "${debian_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      echo "$p"
    fi
  done
}

install_debian() {
  local missing
  missing="$(missing_packages)"
  if [ -z "$missing" ]; then
    log "Debian packages: all ${#debian_packages[@]} present"
    return
  fi
  log "Debian packages missing: $(echo $missing | tr '\n' ' ')"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

install_venv() {
  # A stamp holding the requirements' checksum marks a complete environment.
  local stamp="$venv/.glossa-requirements.sha256"
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "Python environment: complete at $venv"
    return
  fi
  log "Python environment: installing into $venv (torch is a large download, once)"
  mkdir -p "$(dirname "$venv")"
  if [ ! -x "$venv/bin/python" ]; then /usr/bin/python3 -m venv "$venv"; fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  "$venv/bin/python" -c 'import torch, sentencepiece, transformers, safetensors' \
    || { log "Python environment at $venv is incomplete after install"; exit 1; }
  echo "$want" > "$stamp"
}

install_debian
install_venv
echo "$venv"
