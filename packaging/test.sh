#!/usr/bin/env bash
# Second README command: installs, builds and runs the whole test suite (CTest).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(bash "$root/packaging/build.sh" | tail -n 1)"
cd "$build"
# A test that would skip for a missing prerequisite fails instead (tests/README.md).
export GLOSSA_STRICT_SKIPS=1
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$(nproc)" "$@"
