"""lm-evaluation-harness itself as the oracle for Glossa's benchmark requests and scores
(test_cli_harness). Unlike harness_reference.py (a re-implementation), this runs the pinned
lm-eval package: its own task definitions (YAML templates, process_docs, doc_to_* functions),
HFLM's request encoding and its metrics.

What stays ours: turning the local split files into the rows of the Hugging Face datasets the
harness's tasks name (skt/kobest_v1, facebook/xnli, google-research-datasets/paws-x). Their hub
loading scripts cannot run without the hub; `rows()` does what they do (kobest_v1:
pd.read_csv(sep="\t").dropna() and its column names; xnli / paws-x: raw TSV), and the harness
task reads those rows from a local JSONL through a YAML that `include`s the harness's own task
file and only replaces the dataset location.

  harness_oracle.py requests MODEL_DIR TASK=DATA=DUMP...
      Every request the harness would score (HFLM.loglikelihood with the scoring replaced by a
      recorder): context and continuation strings, their token ids and the gold, compared with
      DUMP (`glossa-cli bench prepare --dump-requests`). Prints {TASK: {"documents",
      "requests", "mismatches", "first_mismatch"}}.
  harness_oracle.py scores MODEL_DIR LIMIT TASK=DATA...
      lm_eval.simple_evaluate on the hf model type (float32, CPU) over the first LIMIT documents
      (0: all). Prints {TASK: {metric: value, ...}} for acc, acc_norm, f1 and their stderr.
"""
import csv
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# pandas.read_csv's default NA strings: the kobest_v1 loader's dropna() drops rows holding one.
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}

HARNESS_TASK_FILES = {
    "kobest_boolq": "kobest/kobest_boolq.yaml", "kobest_copa": "kobest/kobest_copa.yaml",
    "kobest_hellaswag": "kobest/kobest_hellaswag.yaml",
    "kobest_sentineg": "kobest/kobest_sentineg.yaml", "kobest_wic": "kobest/kobest_wic.yaml",
    "xnli_de": "xnli/xnli_de.yaml", "paws_de": "paws-x/paws_de.yaml",
}


def read_tsv(path, header=True, quoting=csv.QUOTE_MINIMAL):
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=quoting) if r]
    if not header:
        return rows
    return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)))) for r in rows[1:]]


def pandas_bool(value):
    # pandas reads True/False columns as bool; the loader stores int(bool).
    return 0 if value in ("False", "FALSE", "false") else 1


def kobest_rows(task, path):
    rows = [r for r in read_tsv(path) if not any(v in PANDAS_NA for v in r.values())]
    if task == "kobest_boolq":
        return [{"paragraph": r["Text"], "question": r["Question"], "label": pandas_bool(r["Answer"])}
                for r in rows]
    if task == "kobest_copa":
        return [{"premise": r["sentence"], "question": r["question"], "alternative_1": r["1"],
                 "alternative_2": r["2"], "label": int(r["Answer"]) - 1} for r in rows]
    if task == "kobest_hellaswag":
        return [{"context": r["context"], "ending_1": r["choice1"], "ending_2": r["choice2"],
                 "ending_3": r["choice3"], "ending_4": r["choice4"], "label": int(r["label"])}
                for r in rows]
    if task == "kobest_sentineg":
        return [{"sentence": r["Text"], "label": int(r["Label"])} for r in rows]
    return [{"word": r["Target"], "context_1": r["SENTENCE1"], "context_2": r["SENTENCE2"],
             "label": pandas_bool(r["ANSWER"])} for r in rows]


def rows(task, path):
    """The rows of the hub dataset the harness task reads, from the local split file."""
    if task.startswith("kobest_"):
        return kobest_rows(task, path)
    if task == "xnli_de":  # premise, hypothesis, label word; no header; quotes are text
        labels = {"entailment": 0, "neutral": 1, "contradiction": 2}
        return [{"premise": p, "hypothesis": h, "label": labels[l]}
                for p, h, l in read_tsv(path, header=False, quoting=csv.QUOTE_NONE)]
    return [{"id": r["id"], "sentence1": r["sentence1"], "sentence2": r["sentence2"],
             "label": int(r["label"])}
            for r in read_tsv(path, quoting=csv.QUOTE_NONE)]


def harness_tasks(specs, work):
    """{task: harness task object} for [(task, data)], each reading its local split through a
    YAML that includes the harness's own task file. One TaskManager: it indexes every task the
    harness ships, which takes seconds."""
    import lm_eval.tasks
    from lm_eval.tasks import TaskManager, get_task_dict
    names = {}
    for task, data in specs:
        base = os.path.join(os.path.dirname(lm_eval.tasks.__file__), HARNESS_TASK_FILES[task])
        jsonl = os.path.join(work, task + ".jsonl")
        with open(jsonl, "w", encoding="utf-8") as f:
            for row in rows(task, data):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        name = names[task] = "glossa_local_" + task
        with open(os.path.join(work, name + ".yaml"), "w", encoding="utf-8") as f:
            f.write(f"include: {base}\ntask: {name}\ndataset_path: json\ndataset_name: null\n"
                    f"dataset_kwargs:\n  data_files:\n    validation: {jsonl}\n"
                    "training_split: null\ntest_split: null\nvalidation_split: validation\n")
    manager = TaskManager(include_path=work, include_defaults=True)
    loaded = get_task_dict(list(names.values()), manager)
    return {task: (name, loaded[name]) for task, name in names.items()}, manager


def load_lm(model_dir):
    from lm_eval.models.huggingface import HFLM
    return HFLM(pretrained=model_dir, dtype="float32", device="cpu", batch_size=16)


def requests(lm, t, dump):
    """Compares the harness's requests of task object `t` with a Glossa dump."""
    t.build_all_requests(limit=None, rank=0, world_size=1)
    instances = sorted(t.instances, key=lambda i: (i.doc_id, i.idx))
    recorded = []
    lm._loglikelihood_tokens = lambda reqs, **kw: recorded.extend(reqs) or [(0.0, False)] * len(reqs)
    lm.loglikelihood(instances, disable_tqdm=True)
    ref = []
    for inst, ((context, continuation), ctx_ids, cont_ids) in zip(instances, recorded):
        gold = t.doc_to_target(inst.doc)
        if isinstance(gold, str):
            gold = t.doc_to_choice(inst.doc).index(gold)
        # HFLM._encode_pair moves the context's trailing spaces to the continuation.
        n = len(context) - len(context.rstrip()) if context else 0
        ref.append({"doc": inst.doc_id, "choice": inst.idx,
                    "context": context[:-n] if n else context,
                    "continuation": (context[-n:] if n else "") + continuation,
                    "gold": int(gold), "context_ids": list(ctx_ids),
                    "continuation_ids": list(cont_ids)})
    with open(dump, encoding="utf-8") as f:
        got = [json.loads(line) for line in f if line.strip()]
    keys = ["doc", "choice", "context", "continuation", "gold", "context_ids", "continuation_ids"]
    mismatches, first = 0, None
    for i in range(max(len(ref), len(got))):
        a = {k: ref[i][k] for k in keys} if i < len(ref) else None
        b = {k: got[i].get(k) for k in keys} if i < len(got) else None
        if a != b:
            mismatches += 1
            first = first or {"index": i, "harness": a, "glossa": b}
    return {"documents": len({r["doc"] for r in ref}), "requests": len(ref),
            "mismatches": mismatches, "first_mismatch": first}


def scores(lm, limit, specs):
    import lm_eval
    with tempfile.TemporaryDirectory() as work:
        tasks, manager = harness_tasks(specs, work)
        out = lm_eval.simple_evaluate(model=lm, tasks=[n for n, _ in tasks.values()],
                                      task_manager=manager, num_fewshot=0,
                                      limit=int(limit) or None, bootstrap_iters=100000,
                                      log_samples=False)
    results = {}
    for task, (name, _) in tasks.items():
        result = results[task] = {}
        for key, value in out["results"][name].items():
            metric, _, _filter = key.partition(",")
            if metric in ("acc", "acc_norm", "f1", "acc_stderr", "acc_norm_stderr", "f1_stderr"):
                result[metric] = value if isinstance(value, (int, float)) else None
    return results


def main(argv):
    if len(argv) >= 4 and argv[1] == "requests":
        lm = load_lm(argv[2])
        specs = [a.split("=", 2) for a in argv[3:]]
        with tempfile.TemporaryDirectory() as work:
            tasks, _ = harness_tasks([(t, d) for t, d, _ in specs], work)
            out = {t: requests(lm, tasks[t][1], dump) for t, _, dump in specs}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if len(argv) >= 5 and argv[1] == "scores":
        lm = load_lm(argv[2])
        print(json.dumps(scores(lm, argv[3], [a.split("=", 1) for a in argv[4:]])))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
