"""Independent reference for test_tokenizer_analysis: the statistics of docs/tokenizer-analysis.md
computed with Python sentencepiece on the same documents.

  tokenizer_analysis_reference.py TEXTS_JSONL MODEL [MODEL...]

TEXTS_JSONL: one JSON string per line. Words are str.split() words; a word is continued when
sp.encode(word) alone gives >= 2 ids. Prints a JSON list, one object per model: documents, words,
tokens, bytes, characters, continued_words, byte_tokens, unknown_tokens.
"""
import json
import sys

import sentencepiece as spm


def stats(model, texts):
    sp = spm.SentencePieceProcessor(model_file=model)
    out = dict(documents=0, words=0, tokens=0, bytes=0, characters=0, continued_words=0,
               byte_tokens=0, unknown_tokens=0)
    memo = {}
    for text in texts:
        ids = sp.encode(text)
        words = text.split()
        out["documents"] += 1
        out["words"] += len(words)
        out["tokens"] += len(ids)
        out["bytes"] += len(text.encode("utf-8"))
        out["characters"] += len(text)
        out["byte_tokens"] += sum(1 for i in ids if sp.is_byte(i))
        out["unknown_tokens"] += sum(1 for i in ids if sp.is_unknown(i))
        for w in words:
            if w not in memo:
                memo[w] = len(sp.encode(w))
            out["continued_words"] += memo[w] >= 2
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    print(json.dumps([stats(model, texts) for model in sys.argv[2:]]))


if __name__ == "__main__":
    main()
