#!/usr/bin/env bash
# Build and measure the training engine on a GPU node that has LibTorch (a Python torch with
# CUDA), cmake and ninja but no package registry (docs/gpu-node.md):
#   bash packaging/gpu_node.sh prepare   # here, on Debian 12 with apt: fetch the headers the
#                                        # engine needs into .device-deps/ (ignored by git)
#   bash packaging/gpu_node.sh build     # on the node: engine-only build into build-gpu/
#   bash packaging/gpu_node.sh bench     # on the node: bench/train_gpu.sh (TinyLlama, bf16-mixed)
#   bash packaging/gpu_node.sh parity    # on the node: logits vs transformers in bf16 on CUDA
# Environment: PYTHON (default python3: the node's torch and transformers), BUILD (build-gpu).
set -euo pipefail
cd "$(dirname "$0")/.."
deps=$PWD/.device-deps
build=${BUILD:-build-gpu}
python=${PYTHON:-python3}

prepare() {
  # Header-only or tiny packages, unpacked (never installed) so they travel with the checkout.
  local packages=(nlohmann-json3-dev libcli11-dev libsqlite3-dev libsqlite3-0 libssl-dev libssl3)
  rm -rf "$deps" && mkdir -p "$deps/debs" "$deps/root"
  (cd "$deps/debs" && apt-get download "${packages[@]}")
  for deb in "$deps"/debs/*.deb; do dpkg -x "$deb" "$deps/root"; done
  rm -rf "$deps/debs"
  du -sh "$deps"
}

build() {
  [[ -d $deps/root ]] || { echo "no $deps: run 'packaging/gpu_node.sh prepare' first" >&2; exit 1; }
  local lib=$deps/root/usr/lib/x86_64-linux-gnu
  # The node's CUDA toolkit when it has one (cmake/GlossaTorch.cmake; else the wheel's headers).
  local toolkit=""
  if command -v nvcc >/dev/null; then toolkit="$(dirname "$(dirname "$(command -v nvcc)")")"; fi
  cmake -S . -B "$build" -G Ninja -DGLOSSA_ENGINE_ONLY=ON -DGLOSSA_PYTHON="$python" \
    -DGLOSSA_CUDA_TOOLKIT="$toolkit" \
    -DCMAKE_PREFIX_PATH="$deps/root/usr" -DSQLite3_INCLUDE_DIR="$deps/root/usr/include" \
    -DSQLite3_LIBRARY="$lib/libsqlite3.so.0" -DOPENSSL_ROOT_DIR="$deps/root/usr" \
    -DOPENSSL_CRYPTO_LIBRARY="$lib/libcrypto.so.3" -DCMAKE_BUILD_RPATH="$lib"
  ninja -C "$build" glossa-train glossa-bench-train-cpu glossa-bench-train-attention-cpu \
    glossa-bench-train-parity
}

bench() {
  BUILD=$build PYTHON=$python bash bench/train_gpu.sh "${1:-/tmp/glossa-train-gpu}"
}

parity() {
  local dir=${1:-/tmp/glossa-parity} device=${DEVICE:-cuda} dtype=${DTYPE:-bfloat16}
  "$build/bin/glossa-bench-train-parity" --out "$dir" --device "$device" --dtype "$dtype" > /dev/null
  "$python" bench/train_parity.py "$dir" --device "$device" --dtype "$dtype"
}

case ${1:-} in
  prepare) prepare ;;
  build) build ;;
  bench) shift; bench "$@" ;;
  parity) shift; parity "$@" ;;
  *) echo "usage: $0 prepare|build|bench|parity [WORK_DIR]" >&2; exit 2 ;;
esac
