#!/usr/bin/env bash
# Which score policy makes SentencePiece, transformers' slow and fast tokenizers split held-out text
# the same way after `glossa-cli vocab expand`, and what each policy does to fertility.
#   bench/score_policy_agreement.sh [WORK_DIR]
# Environment: BUILD (default build), PYTHON (default the Glossa venv), DATA (default
# ../shared/data), VOCAB (Korean BPE size, default 8000), MIN_FREQ (default 50), HELD (held-out
# reviews, default 4000), POLICIES (default "zero keep below-base above-base").
# Steps: the `review` column of korean/nsmc_reviews.tsv, one review per line; the last HELD
# reviews are held out, the others train an 8k Korean BPE (`glossa-cli tokenizer train`) and are
# the corpus `vocab expand` counts (Llama 2 base, min frequency 50, every other option default).
# For each policy, tests/python/score_policy_agreement.py encodes the held-out reviews with
# libsentencepiece (Python package), LlamaTokenizer (slow) and LlamaTokenizerFast (converted from
# the folder's tokenizer.model, as AutoTokenizer does) and prints the reviews split differently
# and the tokens per review and per character.
set -euo pipefail
work=${1:-$(mktemp -d /tmp/glossa-agreement.XXXXXX)}
mkdir -p "$work"
build=${BUILD:-build}
python=${PYTHON:-${GLOSSA_VENV:-$HOME/.local/share/glossa/venv}/bin/python}
data=${DATA:-$(dirname "$0")/../../shared/data}
held=${HELD:-4000}
cli=$build/bin/glossa-cli
[[ -x $cli ]] || { echo "no $cli: build the project first" >&2; exit 1; }

if [[ ! -s $work/held.txt ]]; then
  "$python" - "$data/korean/nsmc_reviews.tsv" "$work/train.txt" "$work/held.txt" "$held" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    reviews = [row["review"].replace("\n", " ").replace("\r", " ")
               for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
reviews = [r for r in reviews if r.strip()]
held = int(sys.argv[4])
for path, part in ((sys.argv[2], reviews[:-held]), (sys.argv[3], reviews[-held:])):
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(r + "\n" for r in part)
PY
fi
if [[ ! -s $work/ko.model ]]; then
  "$cli" tokenizer train --input "$work/train.txt" --out "$work/ko" --vocab-size "${VOCAB:-8000}" \
    --model-type bpe --quiet
fi
folders=()
for policy in ${POLICIES:-zero keep below-base above-base}; do
  out=$work/expand-$policy
  if [[ ! -s $out/tokenizer.model ]]; then
    /usr/bin/time -f "$policy: vocab expand %e s" "$cli" vocab expand \
      --base "$data/tokenizers/llama2/tokenizer.model" --intermediate "$work/ko.model" \
      --corpus "$work/train.txt" --min-freq "${MIN_FREQ:-50}" --score-policy "$policy" \
      --threads 2 --out "$out" --quiet
  fi
  folders+=("$policy=$out")
done
"$python" "$(dirname "$0")/../tests/python/score_policy_agreement.py" "$work/held.txt" \
  "base=$data/tokenizers/llama2/tokenizer.model" "${folders[@]}"
