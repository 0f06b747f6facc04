"""Independent references for test_cli (Python sentencepiece, not Debian's libsentencepiece).

  cli_reference.py count MODEL JSONL
      Encodes the "text" field of every JSONL line whole and prints
      {"documents": N, "tokens": T, "counts": [count of id 0, ...]}.
  cli_reference.py pieces MODEL
      Prints {"size": N, "pieces": [[piece, score, type], ...]} as the Python package reads MODEL.
"""
import json
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2


def count(model, jsonl):
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(jsonl, encoding="utf-8") as f:
        docs = [json.loads(line)["text"] for line in f if line.strip()]
    counts = [0] * sp.get_piece_size()
    for ids in sp.encode(docs, num_threads=2):
        for i in ids:
            counts[i] += 1
    print(json.dumps({"documents": len(docs), "tokens": sum(counts), "counts": counts}))


def pieces(model):
    proto = model_pb2.ModelProto()
    with open(model, "rb") as f:
        proto.ParseFromString(f.read())
    sp = spm.SentencePieceProcessor(model_file=model)  # must load, not only parse
    out = [[p.piece, p.score, p.type] for p in proto.pieces]
    print(json.dumps({"size": sp.get_piece_size(), "pieces": out}))


if __name__ == "__main__":
    {"count": count, "pieces": pieces}[sys.argv[1]](*sys.argv[2:])
