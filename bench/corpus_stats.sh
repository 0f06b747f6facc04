#!/usr/bin/env bash
# Corpus-statistics scan throughput next to `wc -m` (UTF-8 character count) on the same file.
#   bench/corpus_stats.sh FILE [extra glossa-bench-corpus-stats options...]
# Needs a built tree (BUILD=build by default). Prints a table of seconds and MB/s (file size on
# disk / wall time); the goal is >= 0.5x the MB/s of `wc -m`. Run it twice: the first run may
# pay for reading the file from disk.
set -euo pipefail
file=${1:?usage: bench/corpus_stats.sh FILE [options]}
shift
bench=${BUILD:-build}/bin/glossa-bench-corpus-stats
[[ -x $bench ]] || { echo "no $bench: build the project first (cmake --build build)" >&2; exit 1; }
bytes=$(stat -c %s "$file")
cat "$file" > /dev/null  # warm the page cache so every row reads from memory

seconds_of() {  # wall seconds of a command, its output discarded
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

row() {  # name seconds
  printf '| %-34s | %8.3f | %8.1f |\n' "$1" "$2" "$(echo "$bytes / 1000000 / $2" | bc -l)"
}

echo "file: $file ($(echo "$bytes / 1000000" | bc -l | xargs printf '%.1f') MB)"
echo "| command                            |  seconds |     MB/s |"
echo "|------------------------------------|----------|----------|"
wc_s=$(seconds_of env LC_ALL=C.UTF-8 wc -m "$file")
row "LC_ALL=C.UTF-8 wc -m" "$wc_s"
for threads in 1 2; do
  s=$(seconds_of "$bench" "$file" --threads "$threads" "$@")
  row "glossa-bench-corpus-stats -t $threads" "$s"
  printf '|   ratio to wc -m                   | %8.2f |          |\n' "$(echo "$wc_s / $s" | bc -l)"
done
