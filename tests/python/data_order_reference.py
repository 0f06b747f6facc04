"""Independent re-implementation of the training data order (docs/training-data.md, "Order"),
for test_data_mixture: which (source, document) the loader draws, one after the other.

  data_order_reference.py SPEC.json

SPEC: {"seed": S, "sources": [{"prefix": P, "weight": W}, ...], "draws": N,
       "oversample_new_tokens": null | {"min_id": M, "factor": F, "min_share": X},
       "windows": {"seq_len": T, "count": K}   (optional)}
Prints one JSON object: {"draws": [[source, document], ...], "factors": [...]} and, with
"windows", "windows": the first K training windows of T + 1 ids (the documents of the same
order back to back, window k = stream[k*T .. k*T + T]).
Shards are read with read_indexed_dataset.py's numpy reader (no Glossa code).
"""
import json
import math
import sys

import numpy as np

from read_indexed_dataset import read

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def derive_seed(seed, a, b):
    return mix64(mix64(mix64(seed) ^ a) ^ b)


class Rng:
    def __init__(self, state):
        self.state = state

    def next(self):
        self.state = (self.state + GAMMA) & MASK
        return mix64(self.state)

    def uniform(self):
        return (self.next() >> 11) * 2.0**-53

    def below(self, n):
        limit = MASK - MASK % n
        x = self.next()
        while x >= limit:
            x = self.next()
        return x % n


def documents(prefix):
    _, sizes, _, doc_index, data = read(prefix)
    ends = np.cumsum(sizes.astype(np.int64))
    starts = ends - sizes
    docs = []
    for j in range(len(doc_index) - 1):
        a, b = doc_index[j], doc_index[j + 1]
        docs.append(data[starts[a]:ends[b - 1]] if b > a else data[0:0])
    return docs


def main():
    spec = json.load(open(sys.argv[1]))
    seed = spec["seed"]
    over = spec.get("oversample_new_tokens")
    sources, doc_ids = [], []
    for s in spec["sources"]:
        docs = documents(s["prefix"])
        doc_ids.append(docs)
        flags = [bool(over) and bool((d >= over["min_id"]).any()) for d in docs]
        t_all = sum(len(d) for d in docs)
        t_new = sum(len(d) for d, f in zip(docs, flags) if f)
        d_new = sum(flags)
        factor = 1.0
        if over:
            factor = over["factor"]
            m = over.get("min_share", 0.0)
            if m > 0 and t_new > 0:
                factor = max(factor, m * float(t_all - t_new) / ((1.0 - m) * float(t_new)))
        mean = (float(t_all - t_new) + factor * t_new) / (float(len(docs) - d_new) + factor * d_new)
        sources.append({"n": len(docs), "flags": flags, "factor": factor,
                        "rate": s["weight"] / mean, "epoch": 0, "next": 0, "order": None})
    total = 0.0
    for s in sources:
        total += s["rate"]
    cumulative, running = [], 0.0
    for s in sources:
        running += s["rate"] / total
        cumulative.append(running)
    cumulative[-1] = 1.0

    def build(i):
        s = sources[i]
        rng = Rng(derive_seed(seed, i, s["epoch"]))
        whole, frac = math.floor(s["factor"]), s["factor"] - math.floor(s["factor"])
        order = []
        for j in range(s["n"]):
            copies = 1
            if s["flags"][j]:
                copies = whole
                if frac > 0 and rng.uniform() < frac:
                    copies += 1
            order += [j] * copies
        for k in range(len(order) - 1, 0, -1):
            r = rng.below(k + 1)
            order[k], order[r] = order[r], order[k]
        s["order"] = order

    def stream():  # the order from the start: yields (source, document) forever
        for s in sources:
            s["epoch"], s["next"] = 0, 0
        for i in range(len(sources)):
            build(i)
        mixture = Rng(derive_seed(seed, MASK, 0))
        while True:
            u = mixture.uniform()
            i = 0
            while u >= cumulative[i]:
                i += 1
            s = sources[i]
            if s["next"] == len(s["order"]):
                s["epoch"] += 1
                s["next"] = 0
                build(i)
            yield i, s["order"][s["next"]]
            s["next"] += 1

    order = stream()
    out = {"draws": [list(next(order)) for _ in range(spec["draws"])],
           "factors": [s["factor"] for s in sources]}
    if spec.get("windows"):
        t, count = spec["windows"]["seq_len"], spec["windows"]["count"]
        ids = []
        for i, j in stream():
            if len(ids) >= count * t + 1:
                break
            ids += [int(x) for x in doc_ids[i][j]]
        out["windows"] = [ids[k * t:k * t + t + 1] for k in range(count)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
