#!/usr/bin/env bash
# Compares two ways of starting the new rows (docs/training-stages.md): eeve (input row = mean of
# the pieces' input rows, output row = the first piece's output row) and decomposition (both rows
# the mean of the pieces' rows: RedWhale's token decomposition for embedding and head), on
# stories260K extended with Korean from 20,000 NSMC reviews (the walkthrough's pipeline,
# docs/walkthrough.md), in the RedWhale preset's first two stages, shortened for a CPU. Prints
# Korean and English held-out loss before training and after each stage.
#   bash bench/compare_new_row_inits.sh [BUILD_DIR] [SHARED_DATA]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build}/bin"
data="${2:-${GLOSSA_SHARED_DATA:-$root/../shared/data}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
C="$bin/glossa-cli"
q() { "$@" >/dev/null 2>&1; }

head -n 20001 "$data/korean/nsmc_reviews.tsv" > "$work/reviews.tsv"
q "$C" corpus clean "$work/reviews.tsv" --column review --out "$work/ko.jsonl" \
  --target-script hangul --min-script-share 0.5 --min-chars 5
q "$C" tokenizer train --input "$work/ko.jsonl" --vocab-size 2000 --character-coverage 0.9995 \
  --out "$work/ko_bpe"
q "$C" model import --llama2c "$data/models/stories260K/stories260K.bin" \
  --tokenizer "$data/models/stories260K/tok512.bin" --untie-embeddings --out "$work/base"
q "$C" vocab expand --base "$data/models/stories260K/tok512.bin" --intermediate "$work/ko_bpe.model" \
  --corpus "$work/ko.jsonl" --script hangul --min-freq 150 --char-min-freq 150 --threads 2 \
  --out "$work/expanded"
q "$C" pack --tokenizer "$work/expanded/tokenizer.model" --input "$work/ko.jsonl" --heldout 0.05 \
  --out "$work/shards/ko"
q "$C" pack --tokenizer "$work/expanded/tokenizer.model" \
  --input "$data/english/tinystories_sample.txt" --heldout 0.3 --out "$work/shards/en"

for init in eeve decomposition; do
  q "$C" model resize --model "$work/base" --tokenizer "$work/expanded" --init "$init" \
    --out "$work/resized-$init"
  start="$("$C" eval --model "$work/resized-$init" --held-out "$work/shards/ko_heldout" \
    --held-out "$work/shards/en_heldout" --seq-len 128 --max-tokens 8192 --json 2>/dev/null)"
  # The preset's first two stages (embeddings + head, odd layers) from its file, shortened.
  python3 - "$root/resources/presets/redwhale.json" "$init" > "$work/RUN-$init.json" <<'PY'
import json, sys
schedule = json.load(open(sys.argv[1]))
schedule["new_rows_init"] = sys.argv[2]
schedule["stages"] = schedule["stages"][:2]
for s in schedule["stages"]:
    s.pop("budget_tokens", None)
    s.update({"budget_steps": 60, "seq_len": 128, "micro_batch": 4, "grad_accum": 1,
              "warmup_steps": 2, "peak_lr": 5e-3, "min_lr": 5e-4, "eval_every_steps": 20})
    s.pop("provenance", None)
print(json.dumps({
    "run_dir": "run-" + sys.argv[2], "model": {"path": "base"}, "tokenizer": {"path": "expanded"},
    "new_token_map": "expanded/new_token_map.jsonl", "schedule": schedule,
    "data": {"sources": [{"name": "korean", "prefix": "shards/ko", "weight": 0.9},
                         {"name": "english", "prefix": "shards/en", "weight": 0.1}], "seed": 11},
    "heldout": [{"name": "ko", "prefix": "shards/ko_heldout"},
                {"name": "en", "prefix": "shards/en_heldout"}],
    "eval": {"seq_len": 128, "max_tokens": 8192}, "dtype": "float32", "seed": 5, "threads": 2}))
PY
  "$bin/glossa-train" "$work/RUN-$init.json" > "$work/train-$init.log" 2>&1 || { tail -5 "$work/train-$init.log"; exit 1; }
  echo "== new_rows_init $init"
  echo "   before training: $(echo "$start" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(", ".join("%s loss %.3f" % (h["name"], h["loss"]) for h in r["heldout"]))')"
  sqlite3 "$work/run-$init/metrics.sqlite" \
    "SELECT '   after step ' || step || ' (' || stage || '): ' || group_concat(set_or_task || ' loss ' || printf('%.3f', value), ', ')
     FROM evals WHERE metric = 'loss' GROUP BY step ORDER BY step;"
done
