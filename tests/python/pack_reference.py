"""Independent check of packed token shards for test_shard_packer: recomputes, with Python
sentencepiece and hashlib, what the shards under PREFIX must hold (docs/shards.md) and compares
with what read_indexed_dataset.py reads from them.

  pack_reference.py MODEL TEXTS_JSONL PREFIX SEED FRACTION MIN_TOKENS BOS(0|1) EOS(0|1)

TEXTS_JSONL: one JSON string per line, the documents in input order.
Held-out rule (docs/shards.md): SHA-256(seed as 8 bytes little endian + UTF-8 text); the first
8 digest bytes big endian >> 11, divided by 2^53, < FRACTION.
Prints one JSON object: train_documents, heldout_documents, dropped, heldout_indices (0-based
input positions), mismatches (first few differences; empty when the shards are right).
"""
import hashlib
import json
import os
import sys

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_indexed_dataset  # noqa: E402


def heldout(seed, text, fraction):
    if fraction <= 0:
        return False
    digest = hashlib.sha256(seed.to_bytes(8, "little") + text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2.0**53 < fraction


def documents(prefix):
    _, sizes, pointers, doc_index, data = read_indexed_dataset.read(prefix)
    itemsize = data.dtype.itemsize
    out = []
    for j in range(len(doc_index) - 1):
        ids = []
        for i in range(doc_index[j], doc_index[j + 1]):
            start = int(pointers[i]) // itemsize
            ids.extend(int(x) for x in data[start:start + int(sizes[i])])
        out.append(ids)
    return out


def main():
    model, texts_path, prefix, seed, fraction, min_tokens, bos, eos = sys.argv[1:9]
    seed, fraction, min_tokens = int(seed), float(fraction), int(min_tokens)
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(texts_path, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    expected = {"train": [], "heldout": []}
    heldout_indices, dropped = [], 0
    for k, text in enumerate(texts):
        ids = sp.encode(text)
        if len(ids) < min_tokens:
            dropped += 1
            continue
        ids = ([sp.bos_id()] if bos == "1" else []) + ids + ([sp.eos_id()] if eos == "1" else [])
        part = "heldout" if heldout(seed, text, fraction) else "train"
        if part == "heldout":
            heldout_indices.append(k)
        expected[part].append(ids)
    mismatches = []
    for part, suffix in (("train", ""), ("heldout", "_heldout")):
        if part == "heldout" and fraction <= 0:
            continue
        got = documents(prefix + suffix)
        if len(got) != len(expected[part]):
            mismatches.append(f"{part}: {len(got)} documents, expected {len(expected[part])}")
        for j, (a, b) in enumerate(zip(got, expected[part])):
            if a != b and len(mismatches) < 5:
                mismatches.append(f"{part} document {j}: got {a[:12]}..., expected {b[:12]}...")
    print(json.dumps({"train_documents": len(expected["train"]),
                      "heldout_documents": len(expected["heldout"]), "dropped": dropped,
                      "heldout_indices": heldout_indices, "mismatches": mismatches}))


if __name__ == "__main__":
    main()
