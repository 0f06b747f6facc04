#!/usr/bin/env bash
# Sets up dependencies (packaging/setup.sh), then configures and builds Glossa into ./build.
# Prints nothing on stdout but the build directory on the last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$(bash "$root/packaging/setup.sh" | tail -n 1)"
build="${GLOSSA_BUILD_DIR:-$root/build}"
shared="${GLOSSA_SHARED_DATA:-$root/../shared/data}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGLOSSA_PYTHON="$venv/bin/python" -DGLOSSA_SHARED_DATA="$shared" >&2
cmake --build "$build" -j "$(nproc)" >&2
echo "$build"
