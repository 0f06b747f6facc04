#!/usr/bin/env bash
# CPU training throughput of Glossa beside transformers + torch.optim.AdamW (the peer), same
# shape, same initial weights, same batches, same optimizer settings, in the same run:
#   bench/train_cpu.sh [WORK_DIR]
# Environment: BUILD (default build), PYTHON (default the Glossa venv), STEPS (default 12),
# WARMUP (untimed first steps, default 2), SHAPES (default "stories260K 10M"), THREADS
# (default "1 2"), BATCH (default 8), SEQ (default 256), REPEAT (default 3: both run alternately
# that many times and each keeps its best tokens/s, since this shared machine's speed drifts).
# Prints per shape and thread count: tokens/s of both, the ratio, and the largest loss difference
# over all steps (fp32; both start from the weights glossa-bench-train-cpu saved).
set -euo pipefail
work=${1:-$(mktemp -d /tmp/glossa-train-cpu.XXXXXX)}
build=${BUILD:-build}
python=${PYTHON:-/root/.local/share/glossa/venv/bin/python}
bench=$build/bin/glossa-bench-train-cpu
[[ -x $bench ]] || { echo "no $bench: build the project with GLOSSA_BUILD_TRAINING=ON" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
steps=${STEPS:-12} warmup=${WARMUP:-2} batch=${BATCH:-8} seq=${SEQ:-256}
printf 'steps %s (first %s untimed), batch %s x seq %s, %s cores, load %s\n' "$steps" "$warmup" \
  "$batch" "$seq" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| shape | params | threads | glossa tok/s | transformers tok/s | ratio | max loss diff |"
echo "|---|---|---|---|---|---|---|"
for shape in ${SHAPES:-stories260K 10M}; do
  for threads in ${THREADS:-1 2}; do
    dir=$work/$shape-$threads
    mkdir -p "$dir"
    : > "$dir/glossa.jsonl"
    : > "$dir/peer.jsonl"
    for ((r = 0; r < ${REPEAT:-3}; r++)); do
      "$bench" --shape "$shape" --threads "$threads" --steps "$steps" --warmup "$warmup" \
        --batch "$batch" --seq "$seq" --out "$dir" >> "$dir/glossa.jsonl"
      "$python" "$here/train_cpu_peer.py" "$dir" --threads "$threads" --steps "$steps" \
        --warmup "$warmup" --batch "$batch" --seq "$seq" 2> "$dir/peer.log" >> "$dir/peer.jsonl"
    done
    "$python" - "$dir/glossa.jsonl" "$dir/peer.jsonl" <<'PY'
import json, sys
gs = [json.loads(l) for l in open(sys.argv[1])]; ps = [json.loads(l) for l in open(sys.argv[2])]
g = max(gs, key=lambda r: r["tokens_per_s"]); p = max(ps, key=lambda r: r["tokens_per_s"])
diff = max(abs(a - b) for a, b in zip(g["losses"], p["losses"]))
print(f'| {g["shape"]} | {g["parameters"]:,} | {g["threads"]} | {g["tokens_per_s"]:.0f} | '
      f'{p["tokens_per_s"]:.0f} | {g["tokens_per_s"] / p["tokens_per_s"]:.2f} | {diff:.2e} |')
PY
  done
done
