"""Agreement of SentencePiece, transformers' slow and fast tokenizers on held-out lines, and their
fertility (bench/score_policy_agreement.sh, test_vocab_expander).

  score_policy_agreement.py LINES_FILE NAME=PATH...
      PATH is a Hugging Face tokenizer folder (tokenizer.model + tokenizer_config.json) or a bare
      tokenizer.model (then only SentencePiece is run). For each NAME prints one JSON line:
      {"name", "vocab", "lines", "chars", "sp_tokens", "slow_differs", "fast_differs",
       "examples": [{"line", "sp", "fast"}...] (at most 3)}.
"""
import json
import os
import sys

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line[:-1] if line.endswith("\n") else line for line in f]


def measure(name, path, lines):
    import sentencepiece
    model = path if path.endswith(".model") else os.path.join(path, "tokenizer.model")
    sp = sentencepiece.SentencePieceProcessor(model_file=model)
    sp_ids = [sp.encode(line) for line in lines]
    row = {"name": name, "vocab": sp.get_piece_size(), "lines": len(lines),
           "chars": sum(len(line) for line in lines),
           "sp_tokens": sum(len(ids) for ids in sp_ids)}
    if os.path.isdir(path):
        from transformers import AutoTokenizer
        for kind, fast in (("slow", False), ("fast", True)):
            tok = AutoTokenizer.from_pretrained(path, use_fast=fast)
            ids = [tok(line, add_special_tokens=False)["input_ids"] for line in lines]
            differs = [i for i in range(len(lines)) if ids[i] != sp_ids[i]]
            row[kind + "_differs"] = len(differs)
            if fast:
                row["examples"] = [{"line": lines[i], "sp": sp.id_to_piece(sp_ids[i]),
                                    "fast": tok.convert_ids_to_tokens(ids[i])}
                                   for i in differs[:3]]
    return row


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[2:]):
        sys.stderr.write(__doc__)
        return 2
    lines = read_lines(argv[1])
    for arg in argv[2:]:
        name, path = arg.split("=", 1)
        print(json.dumps(measure(name, path, lines), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
