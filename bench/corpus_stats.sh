#!/usr/bin/env bash
# Corpus-statistics scan throughput next to `wc -m` (UTF-8 character count) on the same file.
#   bench/corpus_stats.sh FILE [extra glossa-bench-corpus-stats options...]
# Needs a built tree (BUILD=build by default) and /usr/bin/time. Prints wall and CPU (user + sys)
# seconds and MB/s (file size on disk / wall seconds); the goal is >= 0.5x the MB/s of `wc -m`.
# On a shared machine wall times vary with the load: the CPU column is the steadier one.
set -euo pipefail
file=${1:?usage: bench/corpus_stats.sh FILE [options]}
shift
bench=${BUILD:-build}/bin/glossa-bench-corpus-stats
[[ -x $bench ]] || { echo "no $bench: build the project first (cmake --build build)" >&2; exit 1; }
bytes=$(stat -c %s "$file")
cat "$file" > /dev/null  # warm the page cache so every row reads from memory

measure() {  # prints "wall cpu" seconds of a command, its output discarded
  # One temporary file per call: `read` returns at the newline, before this subshell ends.
  local times
  times=$(mktemp)
  /usr/bin/time -f "%e %U %S" -o "$times" "$@" > /dev/null
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$times"
  rm -f "$times"
}

row() {  # name wall cpu [ratio]
  printf '| %-32s | %6.2f | %6.2f | %7.1f | %s |\n' "$1" "$2" "$3" \
    "$(echo "$bytes / 1000000 / $2" | bc -l)" "${4:-}"
}

printf 'file: %s (%.1f MB), %s\n' "$file" "$(echo "$bytes / 1000000" | bc -l)" "$(nproc) cores"
echo "| command                          | wall s |  CPU s |    MB/s | x wc -m (MB/s) |"
echo "|----------------------------------|--------|--------|---------|----------------|"
read -r wc_wall wc_cpu < <(measure env LC_ALL=C.UTF-8 wc -m "$file")
row "LC_ALL=C.UTF-8 wc -m" "$wc_wall" "$wc_cpu" "1.00"
for threads in 1 2; do
  read -r wall cpu < <(measure "$bench" "$file" --threads "$threads" "$@")
  row "glossa-bench-corpus-stats -t $threads" "$wall" "$cpu" \
    "$(printf '%.2f' "$(echo "$wc_wall / $wall" | bc -l)")"
done
