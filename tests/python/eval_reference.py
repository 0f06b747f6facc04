"""Independent reference for Glossa's evaluation (tests/training/test_{mc_eval,heldout_eval}.cpp,
tests/cli/test_cli_eval.cpp): transformers 4.57 runs the same ids, numpy scores them.

  eval_reference.py make-model DIR CONFIG_JSON SEED
      A random LlamaForCausalLM of the config.json fields CONFIG_JSON (a JSON string), with norm
      weights perturbed away from 1, saved with save_pretrained(safe_serialization=True).
  eval_reference.py mc DIR MAX_LENGTH REQ.jsonl...
      For every request file (docs/benchmarks-tasks.md): each (document, choice) run alone,
      unbatched, as lm-evaluation-harness 0.4.13's HFLM does: inp = (context +
      continuation)[-(MAX_LENGTH + 1):][:-1], log_softmax over the vocabulary in fp32, the
      continuation's log-probabilities summed, is_greedy. Then acc, acc_norm (score / choice
      characters), macro F1 and acc's stderr with numpy. Prints a JSON list, one object per file:
      {task, loglikelihoods: [[...]], greedy: [[...]], truncated, acc, acc_stderr, acc_norm, f1}.
  eval_reference.py heldout DIR PREFIX SEQ_LEN MAX_WINDOWS
      The held-out definition of docs/evaluation.md: stream = [EOS of the manifest] + every
      document of PREFIX (read with read_indexed_dataset.py) back to back; window k reads
      stream[kT : kT+T] and predicts stream[kT+1 : kT+T+1] (the last one shorter). The first
      MAX_WINDOWS windows (0 = all) are scored one by one. Prints {tokens, nll, loss, bytes,
      bytes_estimated, bpb, windows}; bytes from the manifest's heldout part, scaled by the share
      of tokens when only some windows are scored.
  Several commands separated by "--" run in one Python start and print a JSON list of results.
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_indexed_dataset  # noqa: E402


def make_model(directory, config_json, seed):
    import transformers
    torch.manual_seed(int(seed))
    config = transformers.LlamaConfig(**json.loads(config_json))
    model = transformers.LlamaForCausalLM(config).to(torch.float32).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(directory, safe_serialization=True)
    return {"model_dir": directory}


def load(directory):
    import transformers
    model = transformers.LlamaForCausalLM.from_pretrained(
        directory, dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def macro_f1(gold, pred):
    labels = sorted(set(gold) | set(pred))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def score_request(model, context, continuation, max_length):
    whole = context + continuation
    inp = whole[-(max_length + 1):][:-1]
    with torch.no_grad():
        logits = model(torch.tensor([inp])).logits[0].to(torch.float32)  # (T, V)
    logp = torch.log_softmax(logits, dim=-1)
    n, c = len(inp), len(continuation)
    rows = logp[n - c:n]  # (c, V)
    target = torch.tensor(continuation)
    ll = float(rows.gather(1, target[:, None]).to(torch.float64).sum())  # harness: fp32 sum
    greedy = bool((rows.argmax(-1) == target).all())
    return ll, greedy, len(whole) - 1 > max_length


def mc(directory, max_length, files):
    model = load(directory)
    out = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        header, docs = lines[0], lines[1:]
        lls, greedy, truncated = [], [], 0
        for d in docs:
            scores = [score_request(model, r["context"], r["continuation"], max_length)
                      for r in d["requests"]]
            lls.append([s[0] for s in scores])
            greedy.append([s[1] for s in scores])
            truncated += sum(s[2] for s in scores)
        gold = [d["gold"] for d in docs]
        pred = [int(np.argmax(x)) for x in lls]
        pred_norm = [int(np.argmax(np.array(x) / np.array(d["choice_chars"])))
                     for x, d in zip(lls, docs)]
        acc = float(np.mean([p == g for p, g in zip(pred, gold)]))
        n = len(docs)
        out.append({"task": header["task"], "loglikelihoods": lls, "greedy": greedy,
                    "truncated": truncated, "acc": acc,
                    "acc_stderr": math.sqrt(acc * (1 - acc) / (n - 1)),
                    "acc_norm": float(np.mean([p == g for p, g in zip(pred_norm, gold)])),
                    "f1": macro_f1(gold, pred)})
    return out


def heldout(directory, prefix, seq_len, max_windows):
    base = prefix[:-len("_heldout")]
    with open(base + ".manifest.json", encoding="utf-8") as f:
        manifest = json.load(f)
    _, sizes, pointers, doc_index, data = read_indexed_dataset.read(prefix)
    stream = [manifest["tokenizer"]["eos_id"]] if manifest["tokenizer"]["eos_id"] >= 0 else []
    itemsize = data.dtype.itemsize
    for i in range(int(doc_index[-1])):  # documents back to back = sequences in order
        start = int(pointers[i]) // itemsize
        stream.extend(int(x) for x in data[start:start + int(sizes[i])])
    total = len(stream) - 1
    windows = (total + seq_len - 1) // seq_len
    if max_windows > 0:
        windows = min(windows, max_windows)
    model = load(directory)
    nll, tokens = 0.0, 0
    for k in range(windows):
        inp = stream[k * seq_len:k * seq_len + seq_len]
        tgt = stream[k * seq_len + 1:k * seq_len + seq_len + 1]
        inp = inp[:len(tgt)]
        with torch.no_grad():
            logits = model(torch.tensor([inp])).logits[0].to(torch.float32)
        logp = torch.log_softmax(logits, dim=-1).gather(1, torch.tensor(tgt)[:, None])
        nll -= float(logp.to(torch.float64).sum())
        tokens += len(tgt)
    manifest_bytes = manifest["heldout"]["bytes"]
    estimated = tokens < total
    nbytes = manifest_bytes * tokens / total if estimated else float(manifest_bytes)
    return {"tokens": tokens, "nll": nll, "loss": nll / tokens, "bytes": nbytes,
            "bytes_estimated": estimated, "bpb": nll / math.log(2) / nbytes,
            "windows": windows, "total_tokens": total}


def run(argv):
    if argv[0] == "make-model":
        return make_model(argv[1], argv[2], argv[3])
    if argv[0] == "mc":
        return mc(argv[1], int(argv[2]), argv[3:])
    if argv[0] == "heldout":
        return heldout(argv[1], argv[2], int(argv[3]), int(argv[4]))
    sys.exit("unknown command " + argv[0])


def main(argv):
    # Several commands separated by "--" share one Python start (transformers imports slowly);
    # the output is then a JSON list, one result per command.
    commands, current = [], []
    for a in argv[1:] + ["--"]:
        if a == "--":
            commands.append(current)
            current = []
        else:
            current.append(a)
    results = [run(c) for c in commands if c]
    print(json.dumps(results[0] if len(results) == 1 else results))


if __name__ == "__main__":
    main(sys.argv)
