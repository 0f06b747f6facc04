"""Independent reference for Glossa's benchmark requests and scores (test_benchmark_requests,
test_request_file, test_mc_metrics). Re-implements, in plain Python, what EleutherAI's
lm-evaluation-harness (0.4.13) does for the KoBEST, xnli_de and paws_de tasks, from the
definitions in docs/benchmarks-tasks.md, without reading Glossa's task JSON files:
the Hugging Face loaders' row handling, the task templates, HFLM._encode_pair and
HFLM.loglikelihood's empty-context case, tokenised with the Python sentencepiece package.

  harness_reference.py compare TASK DATA MODEL DUMP [--no-bos]
      Builds every (doc, choice) request and compares strings, ids and gold with DUMP (the
      JSONL of `glossa-cli bench prepare --dump-requests`). Prints {"documents", "requests",
      "dropped", "mismatches", "first_mismatch"}.
  harness_reference.py write_req TASK DATA MODEL OUT [--no-bos]
      Writes a request file in the documented format (docs/benchmarks-tasks.md) from the
      reference requests. Prints {"documents", "golds", "first": {context, continuation}}.
  harness_reference.py metrics INPUT.json
      INPUT: {"gold": [g], "lls": [[ll per choice]], "chars": [[len per choice]]}. Prints acc,
      acc_stderr, acc_norm, acc_norm_stderr, f1 as the harness computes them: the per-document
      choice as ConfigurableTask.process_results picks it (argmax of the log-likelihoods, and of
      them divided by the choice's characters), aggregated by the harness's own mean,
      mean_stderr and kobest macro_f1_score.

Where this hand reference stays (test_cli_harness runs the harness itself everywhere else):
the rows of the hub datasets built from the local split files (the hub's loading scripts cannot
run offline), the request-file writer (a Glossa format the harness does not write), and the
in-process engine tests that have no model for HFLM (test_benchmark_requests).
"""
import csv
import json
import math
import re
import sys

# pandas.read_csv default na_values: such fields are NaN, and the HF KoBEST loader's dropna()
# drops their rows.
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}


def read_kobest(path):
    """Rows as dicts, like pd.read_csv(sep="\t").dropna() (skip_blank_lines, CSV quoting)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r]
    header, data = rows[0], rows[1:]
    kept, dropped = [], 0
    for r in data:
        r = r + [""] * (len(header) - len(r))
        if any(v in PANDAS_NA for v in r):
            dropped += 1
            continue
        kept.append(dict(zip(header, r)))
    return kept, dropped


def pandas_bool_label(value):
    # pandas reads True/TRUE/true as bool; the loader maps str(s) == "False" to 0, else 1.
    return 0 if value in ("False", "FALSE", "false") else 1


def kobest_docs(task, path):
    rows, dropped = read_kobest(path)
    docs = []
    for r in rows:
        if task == "kobest_boolq":
            ctx = f"{r['Text']} 질문: {r['Question']} 답변: "
            docs.append((ctx, ["아니오", "예"], pandas_bool_label(r["Answer"])))
        elif task == "kobest_copa":
            connector = {"원인": " 왜냐하면", "결과": " 그래서"}[r["question"].strip()]
            choices = [r["1"], r["2"]]
            label = int(r["Answer"]) - 1
            correct = choices[0] if label == 0 else choices[1]
            docs.append((f"{r['sentence']} {connector}", choices, choices.index(correct)))
        elif task == "kobest_hellaswag":
            choices = [r["choice1"], r["choice2"], r["choice3"], r["choice4"]]
            docs.append((f"문장: {r['context']}", choices, int(r["label"])))
        elif task == "kobest_sentineg":
            docs.append((f"문장: {r['Text']} 긍부정:", ["부정", "긍정"], int(r["Label"])))
        elif task == "kobest_wic":
            ctx = (f"문장1: {r['SENTENCE1']} 문장2: {r['SENTENCE2']} 두 문장에서 "
                   f"{r['Target']}가 같은 뜻으로 쓰였나?")
            docs.append((ctx, ["아니오", "예"], pandas_bool_label(r["ANSWER"])))
    return docs, dropped


def read_raw_tsv(path, header):
    # The HF xnli / paws-x loaders read with csv.QUOTE_NONE: quotes are text.
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r]
    if header:
        return [dict(zip(rows[0], r)) for r in rows[1:]]
    return rows


def general_detokenize(string):
    string = string.replace(" n't", "n't")
    string = string.replace(" )", ")")
    string = string.replace("( ", "(")
    string = string.replace('" ', '"')
    string = string.replace(' "', '"')
    return re.sub(r" (['.,])", r"\1", string)


def german_docs(task, path):
    docs, dropped = [], 0
    if task == "xnli_de":
        labels = {"entailment": 0, "neutral": 1, "contradiction": 2}
        for premise, hypothesis, label in read_raw_tsv(path, header=False):
            choices = [premise + ", richtig? " + w + ", " + hypothesis for w in ("Ja", "Auch", "Nein")]
            docs.append(("", choices, labels[label]))
        return docs, " ", dropped
    for r in read_raw_tsv(path, header=True):  # paws_de, process_docs_paraphrases
        s1, s2 = r["sentence1"], r["sentence2"]
        if s1 in (None, "") or s2 in (None, ""):
            dropped += 1
            continue
        s1, s2 = general_detokenize(s1).strip(), general_detokenize(s2).strip()
        if s1.endswith((".", ",", ";")):
            s1 = s1[:-1]
        s2 = s2[0].lower() + s2[1:]
        docs.append(("", [s1 + ", richtig? Nein, " + s2, s1 + ", richtig? Ja, " + s2], int(r["label"])))
    return docs, "", dropped


def task_docs(task, path):
    """[(context, choices, gold)], target delimiter, rows dropped."""
    if task.startswith("kobest_"):
        docs, dropped = kobest_docs(task, path)
        return docs, " ", dropped
    return german_docs(task, path)


def build_requests(task, data, model, bos):
    import sentencepiece
    sp = sentencepiece.SentencePieceProcessor(model_file=model)
    prefix = sp.bos_id() if sp.bos_id() >= 0 else sp.eos_id()
    docs, delimiter, dropped = task_docs(task, data)
    out = []
    for d, (context, choices, gold) in enumerate(docs):
        for c, choice in enumerate(choices):
            continuation = delimiter + choice
            if context == "":  # HFLM.loglikelihood: [BOS] + enc(continuation, no specials)
                ctx_ids, cont_ids = [prefix], sp.encode(continuation)
                ctx = ""
            else:  # HFLM._encode_pair
                n_spaces = len(context) - len(context.rstrip())
                ctx, cont = context, continuation
                if n_spaces > 0:
                    cont = context[-n_spaces:] + continuation
                    ctx = context[:-n_spaces]
                continuation = cont
                whole = ([sp.bos_id()] if bos else []) + sp.encode(ctx + cont)
                ctx_ids = ([sp.bos_id()] if bos else []) + sp.encode(ctx)
                cont_ids = whole[len(ctx_ids):]
            out.append({"doc": d, "choice": c, "context": ctx, "continuation": continuation,
                        "gold": gold, "context_ids": ctx_ids, "continuation_ids": cont_ids,
                        "chars": len(choice)})
    return out, len(docs), dropped, sp


def compare(task, data, model, dump, bos):
    ref, n_docs, dropped, _ = build_requests(task, data, model, bos)
    with open(dump, encoding="utf-8") as f:
        got = [json.loads(line) for line in f if line.strip()]
    keys = ["doc", "choice", "context", "continuation", "gold", "context_ids", "continuation_ids"]
    mismatches, first = 0, None
    for i in range(max(len(ref), len(got))):
        a = {k: ref[i][k] for k in keys} if i < len(ref) else None
        b = {k: got[i].get(k) for k in keys} if i < len(got) else None
        if a != b:
            mismatches += 1
            first = first or {"index": i, "reference": a, "glossa": b}
    return {"documents": n_docs, "requests": len(ref), "dropped": dropped,
            "mismatches": mismatches, "first_mismatch": first}


def write_req(task, data, model, out, bos):
    ref, n_docs, dropped, sp = build_requests(task, data, model, bos)
    docs = {}
    for r in ref:
        d = docs.setdefault(r["doc"], {"doc": r["doc"], "gold": r["gold"], "choice_chars": [],
                                       "requests": []})
        d["choice_chars"].append(r["chars"])
        d["requests"].append({"context": r["context_ids"], "continuation": r["continuation_ids"]})
    metrics = {"kobest_hellaswag": ["acc", "acc_norm", "f1"]}.get(
        task, ["acc"] if task in ("xnli_de", "paws_de") else ["acc", "f1"])
    header = {"format": "glossa-benchmark-requests", "version": 1, "task": task,
              "group": "kobest" if task.startswith("kobest_") else "", "metrics": metrics,
              "bos": bos, "tokenizer_fingerprint": "python-reference",
              "vocab_size": sp.get_piece_size(), "documents": len(docs), "requests": len(ref)}
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for d in docs.values():
            f.write(json.dumps(d) + "\n")
    return {"documents": len(docs), "golds": [d["gold"] for d in docs.values()],
            "first": docs[0]["requests"][0]}


def macro_f1(golds, preds):
    labels = sorted(set(golds) | set(preds))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(golds, preds) if g == label and p == label)
        predicted = sum(1 for p in preds if p == label)
        actual = sum(1 for g in golds if g == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def metrics(path):
    import numpy as np
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    acc, acc_norm, golds, preds = [], [], [], []
    for gold, lls, chars in zip(data["gold"], data["lls"], data["chars"]):
        lls = np.array(lls, dtype=np.float64)
        pred = int(np.argmax(lls))
        pred_norm = int(np.argmax(lls / np.array(chars, dtype=np.float64)))
        acc.append(1.0 if pred == gold else 0.0)
        acc_norm.append(1.0 if pred_norm == gold else 0.0)
        golds.append(gold)
        preds.append(pred)

    # The aggregations are the harness's own functions (lm-eval pinned in
    # packaging/requirements.txt): mean, mean_stderr and KoBEST's macro F1 (scikit-learn).
    from lm_eval.api.metrics import mean, mean_stderr
    from lm_eval.tasks.kobest.utils import macro_f1_score
    return {"acc": mean(acc), "acc_stderr": mean_stderr(acc),
            "acc_norm": mean(acc_norm), "acc_norm_stderr": mean_stderr(acc_norm),
            "f1": float(macro_f1_score(list(zip(golds, preds)))), "preds": preds,
            "f1_by_hand": macro_f1(golds, preds)}


def main(argv):
    args = [a for a in argv[1:] if a != "--no-bos"]
    bos = "--no-bos" not in argv
    if len(args) == 5 and args[0] == "compare":
        result = compare(*args[1:], bos)
    elif len(args) == 5 and args[0] == "write_req":
        result = write_req(*args[1:], bos)
    elif len(args) == 2 and args[0] == "metrics":
        result = metrics(args[1])
    else:
        sys.stderr.write(__doc__)
        return 2
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
