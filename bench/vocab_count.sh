#!/usr/bin/env bash
# Exact token counting (tokenizer/vocab/vocab_counter.h) next to the usual ways of encoding a corpus,
# all on the same text with the same extended tokenizer, and a check that every tool gives the
# same count for every id.
#   bench/vocab_count.sh [WORK_DIR]
# Environment: BUILD (default build), PYTHON (default the Glossa venv), DATA (default
# /work/shared/data), VOCAB (Korean BPE size, default 8000), REPEAT (runs per row, best kept;
# default 3 for glossa, PEER_REPEAT default 1 for the others).
# Steps: the `review` column of korean/nsmc_reviews.tsv -> WORK/reviews.txt (one review per
# line); spm_train (Debian) trains a Korean BPE on it; `glossa-cli vocab merge` appends
# its new pieces to Llama 2 (score 0) and writes an HF folder; transformers converts that folder
# to a fast tokenizer (tokenizer.json) once. Timed rows: glossa 1 and 2 threads (reading
# included), spm_encode --output_format=id (whole process), Python sentencepiece
# encode(lines, num_threads=1/2) and HF tokenizers encode_batch with RAYON_NUM_THREADS=1/2
# (encode call only: loading and counting the ids are not timed). MB = UTF-8 bytes of the
# reviews (newlines excluded) / 1e6. CPU s = user + sys of the timed part (all threads).
set -euo pipefail
work=${1:-$(mktemp -d /tmp/glossa-vocab-count.XXXXXX)}
mkdir -p "$work"
build=${BUILD:-build}
python=${PYTHON:-${GLOSSA_VENV:-$HOME/.local/share/glossa/venv}/bin/python}
data=${DATA:-$(dirname "$0")/../../shared/data}
cli=$build/bin/glossa-cli
[[ -x $cli ]] || { echo "no $cli: build the project first" >&2; exit 1; }
command -v spm_encode > /dev/null || { echo "spm_encode missing (apt install sentencepiece)" >&2; exit 1; }

text=$work/reviews.txt
if [[ ! -s $text ]]; then
  "$python" - "$data/korean/nsmc_reviews.tsv" "$text" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
        out.write(row["review"].replace("\n", " ").replace("\r", " ") + "\n")
PY
fi
model=$work/extended/tokenizer.model
if [[ ! -s $model ]]; then
  spm_train --input="$text" --model_prefix="$work/ko" --vocab_size="${VOCAB:-8000}" \
    --model_type=bpe --character_coverage=0.9995 --minloglevel=2 > "$work/spm_train.log" 2>&1
  "$cli" vocab merge --base "$data/tokenizers/llama2/tokenizer.model" --add "$work/ko.model" \
    --out "$work/extended/tokenizer.model" --hf-dir "$work/extended" -q
  "$python" -c 'import sys; from transformers import LlamaTokenizerFast as T
T.from_pretrained(sys.argv[1]).backend_tokenizer.save(sys.argv[1] + "/tokenizer.json")' \
    "$work/extended"
fi

# Python peers: prints "wall cpu" of the best run; writes "id<TAB>count" of every id.
peer() {  # tool threads counts_out
  RAYON_NUM_THREADS=$2 TOKENIZERS_PARALLELISM=true "$python" - "$1" "$2" "$3" "$model" "$text" \
    "${PEER_REPEAT:-1}" <<'PY'
import os, sys, time
import numpy as np
tool, threads, counts_out, model, text, repeat = sys.argv[1:7]
threads, repeat = int(threads), int(repeat)
lines = open(text, encoding="utf-8").read().split("\n")[:-1]
if tool == "sp":
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model)
    size = sp.get_piece_size()
    encode = lambda: sp.encode(lines, num_threads=threads)
else:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(os.path.dirname(model), "tokenizer.json"))
    size = tok.get_vocab_size(with_added_tokens=True)
    encode = lambda: [e.ids for e in tok.encode_batch(lines, add_special_tokens=False)]
best = None
for _ in range(repeat):
    w0, c0 = time.perf_counter(), time.process_time()
    ids = encode()
    w, c = time.perf_counter() - w0, time.process_time() - c0
    if best is None or w < best[0]:
        best = (w, c)
flat = np.fromiter((i for doc in ids for i in doc), dtype=np.int64)
counts = np.bincount(flat, minlength=size)
with open(counts_out, "w") as f:
    f.writelines(f"{i}\t{n}\n" for i, n in enumerate(counts))
print(f"{best[0]:.3f} {best[1]:.3f}")
PY
}

mb=$("$python" -c 'import sys; d=open(sys.argv[1],"rb").read(); print((len(d) - d.count(b"\n")) / 1e6)' "$text")
rows=()
add_row() { rows+=("$1|$2|$3|$4"); }  # name wall cpu counts_file

# glossa-cli vocab count, whole process, best of REPEAT; its counts as "id<TAB>count".
glossa_count() {  # threads -> "wall cpu counting_seconds"
  local best="" run
  for ((run = 0; run < ${REPEAT:-3}; run++)); do
    /usr/bin/time -f "%e %U %S" -o "$work/time.glossa" "$cli" vocab count --tokenizer "$model" \
      --input "$text" --format txt --threads "$1" --json -q > "$work/count$1.json"
    read -r wall user sys < "$work/time.glossa"
    if [[ -z $best ]] || (($(echo "$wall < ${best%% *}" | bc -l))); then
      best="$wall $(echo "$user + $sys" | bc -l) $("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$work/count$1.json")"
      "$python" -c 'import json,sys
c = json.load(open(sys.argv[1]))["counts"]
open(sys.argv[2], "w").writelines(f"{i}\t{n}\n" for i, n in enumerate(c))' "$work/count$1.json" "$work/counts.glossa$1"
    fi
  done
  echo "$best"
}

for threads in 1 2; do
  read -r wall cpu counting < <(glossa_count "$threads")
  add_row "glossa-cli vocab count --threads $threads (whole process)" "$wall" "$cpu" \
    "$work/counts.glossa$threads"
  add_row "  of which counting (glossa's own timer)" "$counting" "$counting" \
    "$work/counts.glossa$threads"
done

/usr/bin/time -f "%e %U %S" -o "$work/time.spm" spm_encode --model "$model" --output_format=id \
  < "$text" > "$work/ids.spm"
"$python" - "$work/ids.spm" "$work/counts.spm" "$model" <<'PY'
import sys, numpy as np, sentencepiece as spm
size = spm.SentencePieceProcessor(model_file=sys.argv[3]).get_piece_size()
ids = np.array(open(sys.argv[1]).read().split(), dtype=np.int64)
with open(sys.argv[2], "w") as f:
    f.writelines(f"{i}\t{n}\n" for i, n in enumerate(np.bincount(ids, minlength=size)))
PY
add_row "spm_encode (Debian), 1 thread" "$(awk '{print $1}' "$work/time.spm")" \
  "$(awk '{print $2 + $3}' "$work/time.spm")" "$work/counts.spm"

for threads in 1 2; do
  read -r wall cpu < <(peer sp "$threads" "$work/counts.sp$threads")
  add_row "Python sentencepiece, num_threads=$threads" "$wall" "$cpu" "$work/counts.sp$threads"
done
for threads in 1 2; do
  read -r wall cpu < <(peer hf "$threads" "$work/counts.hf$threads")
  add_row "HF tokenizers encode_batch, RAYON=$threads" "$wall" "$cpu" "$work/counts.hf$threads"
done

spm_wall=$(awk '{print $1}' "$work/time.spm")
spm_cpu=$(awk '{print $2 + $3}' "$work/time.spm")
printf 'text: %s (%.2f MB, %s lines), model: %s (%s pieces), %s cores, load %s\n' "$text" "$mb" \
  "$(wc -l < "$text")" "$model" "$(wc -l < "$work/counts.spm")" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| tool | wall s | MB/s | CPU s | MB/CPU-s | x spm_encode (wall) | x spm_encode (CPU) | counts vs glossa |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r name wall cpu counts <<< "$r"
  diff_ids=$(paste "$work/counts.glossa1" "$counts" | awk -F'\t' '$2 != $4 {n++; d += ($2 > $4 ? $2 - $4 : $4 - $2)} END {if (n) printf "%d ids differ (sum |diff| %d)", n, d; else print "identical"}')
  printf '| %s | %.3f | %.2f | %.3f | %.2f | %.2f | %.2f | %s |\n' "$name" "$wall" \
    "$(echo "$mb / $wall" | bc -l)" "$cpu" "$(echo "$mb / $cpu" | bc -l)" \
    "$(echo "$spm_wall / $wall" | bc -l)" "$(echo "$spm_cpu / $cpu" | bc -l)" "$diff_ids"
done
g1=${rows[0]#*|}; g2=${rows[2]#*|}
printf 'glossa speed-up 1 -> 2 threads (whole process, wall): %.2f\n' \
  "$(echo "${g1%%|*} / ${g2%%|*}" | bc -l)"
printf 'glossa 1 thread vs spm_encode (whole process, wall): %.2fx\n' \
  "$(echo "$spm_wall / ${g1%%|*}" | bc -l)"
