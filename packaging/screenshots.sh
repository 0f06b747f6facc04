#!/usr/bin/env bash
# Screenshots for docs/ (docs/user-guide.md): the real workbench under Xvfb on the demo project,
# in a throw-away home (its own backend, settings and demo folder): the demo is set up through the
# backend, the Vocabulary page saved, the New run dialog's plan for the EEVE run saved, the run
# started, and the Runs page saved when it has finished (app/screenshot_tour.h). A few minutes.
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
  "$build/bin/glossa" --demo --screenshots "$root/docs/screenshots"
# The same walk in a dark palette, to see that every page stays readable in one (the demo is
# set up already: a second EEVE run starts beside the first).
HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
  XDG_CONFIG_HOME="$home/config" \
  xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$build/bin/glossa" --demo --dark --screenshots "$root/docs/screenshots/dark"
