#!/usr/bin/env bash
# Screenshots for docs/ (docs/user-guide.md): the real workbench under Xvfb on the demo project,
# in a throw-away home (its own backend, settings and demo folder), saved with the window's own
# grab once the Vocabulary page has loaded.
#   bash packaging/screenshots.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
home="$(mktemp -d)"
# The backend outlives the window by design; the one of this home writes its pid in its lock file.
stop_backend() {
  local lock="$home/run/glossa/backend.sock.lock"
  if [ -s "$lock" ]; then kill "$(head -c 16 "$lock" | tr -dc 0-9)" 2>/dev/null || true; fi
  rm -rf "$home"
}
trap stop_backend EXIT
mkdir -p "$home/run" "$root/docs/screenshots"
chmod 700 "$home/run"
HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
  XDG_CONFIG_HOME="$home/config" \
  xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$build/bin/glossa" --demo --screenshot "$root/docs/screenshots/vocabulary.png"
echo "wrote $root/docs/screenshots/vocabulary.png"
