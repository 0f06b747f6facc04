"""Independent reference encodings for test_model_merge, test_hf_tokenizer_files and
test_tokenizer_trainer (the Python `sentencepiece` package and `transformers`).

  tokenizer_reference.py sp MODEL LINES_FILE
      sentencepiece.SentencePieceProcessor(model_file=MODEL).encode(line) for each line.
      Prints {"vocab_size": N, "ids": [[...], ...]}.
  tokenizer_reference.py hf DIR LINES_FILE
      transformers.AutoTokenizer.from_pretrained(DIR, use_fast=False) and (use_fast=True);
      tokenizer(line)["input_ids"] for each line (special tokens added as configured).
      Prints {"slow": {"class": ..., "ids": [...], "bos": ..., "eos": ..., "unk": ...,
      "pad": ..., "len": ...}, "fast": {...}}.
  tokenizer_reference.py save_llama MODEL OUT_DIR
      LlamaTokenizer(vocab_file=MODEL).save_pretrained(OUT_DIR) (what transformers writes).

LINES_FILE holds one UTF-8 text per line.
"""
import json
import os
import sys

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line[:-1] if line.endswith("\n") else line for line in f]


def sp(model, lines_file):
    import sentencepiece
    proc = sentencepiece.SentencePieceProcessor(model_file=model)
    ids = [proc.encode(line) for line in read_lines(lines_file)]
    return {"vocab_size": proc.get_piece_size(), "ids": ids}


def hf_one(folder, lines, use_fast):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(folder, use_fast=use_fast)
    return {"class": type(tok).__name__, "ids": [tok(line)["input_ids"] for line in lines],
            "bos": tok.bos_token_id, "eos": tok.eos_token_id, "unk": tok.unk_token_id,
            "pad": tok.pad_token_id, "len": len(tok),
            "model_max_length": tok.model_max_length}


def hf(folder, lines_file):
    lines = read_lines(lines_file)
    return {"slow": hf_one(folder, lines, False), "fast": hf_one(folder, lines, True)}


def save_llama(model, out_dir):
    from transformers import LlamaTokenizer
    LlamaTokenizer(vocab_file=model).save_pretrained(out_dir)
    return {"files": sorted(os.listdir(out_dir))}


def main(argv):
    commands = {"sp": sp, "hf": hf, "save_llama": save_llama}
    if len(argv) != 4 or argv[1] not in commands:
        sys.stderr.write(__doc__)
        return 2
    json.dump(commands[argv[1]](argv[2], argv[3]), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
