#!/usr/bin/env bash
# First README command: installs, builds and opens the workbench on the demo project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(bash "$root/packaging/build.sh" | tail -n 1)"
exec "$build/bin/glossa" --demo "$@"
