"""Independent reference token counts for test_vocab_counter and test_vocab_expander.

  count_reference.py MODEL DOCS_JSONL
      Encodes every document (one JSON string per line) whole with Python sentencepiece
      (its own build and version, not Debian's libsentencepiece) and prints one JSON object:
      {"documents": N, "tokens": T, "counts": [count of id 0, count of id 1, ...]}.
"""
import json
import sys

import sentencepiece as spm


def main():
    model, docs_path = sys.argv[1], sys.argv[2]
    sp = spm.SentencePieceProcessor(model_file=model)
    counts = [0] * sp.get_piece_size()
    documents = 0
    with open(docs_path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    for ids in sp.encode(docs, num_threads=2):
        documents += 1
        for i in ids:
            counts[i] += 1
    print(json.dumps({"documents": documents, "tokens": sum(counts), "counts": counts}))


if __name__ == "__main__":
    main()
