#!/usr/bin/env bash
# Fuzzes the protocol's input path (tests/fuzz/fuzz_protocol_line.cpp: line splitter, message
# parser, parameter checks) with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, for
# a bounded time. Configures a Clang build of just this target (tests/fuzz as a project of its
# own), away from the main build.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [libFuzzer flags...]     (default 60 s)
#
# Env: FUZZ_BUILD_DIR (default build-fuzz at the repository root), CLANGXX (default clang++ or
# clang++-14; Debian package: clang), FUZZ_JOBS (compile jobs, default 1).
# New inputs are kept in FUZZ_BUILD_DIR/corpus, tests/fuzz/corpus seeds it. A bug stops the run
# and leaves crash-* in FUZZ_BUILD_DIR: once fixed, copy it into tests/fuzz/corpus, where the
# ctest fuzz_protocol_replay runs it on every build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CLANGXX:-$(command -v clang++ || command -v clang++-14 || true)}
if [[ -z $cxx ]]; then
  echo "run_fuzz.sh: clang++ not found (Debian/Ubuntu: apt-get install clang)" >&2
  exit 2
fi

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
nice -n 19 cmake --build "$build" --target fuzz_protocol_line -j "${FUZZ_JOBS:-1}"
mkdir -p "$build/corpus"
# Lines up to 16 KiB: four times the target's max_line, so oversized lines are reached.
exec nice -n 19 "$build/fuzz_protocol_line" -max_total_time="$seconds" -rss_limit_mb=1024 \
  -max_len=16384 -artifact_prefix="$build/" "$@" "$build/corpus" "$here/corpus"
