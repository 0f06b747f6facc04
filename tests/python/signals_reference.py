"""Independent reference of Glossa's per-document signals (docs/corpus-statistics.md) for
test_corpus_scanner: plain Python, words as lists of strings, n-grams as tuples, no hashing.

  signals_reference.py FILE.jsonl
      FILE holds one JSON object per line with a "text" field. Prints a JSON array with one
      object per document: bytes, chars, words, whitespace, digit, punctuation, hangul, letters,
      hangul_share (of letters), duplicate_line_fraction, top_ngram_repetition,
      mean_word_length; then a summary object {documents, unique_documents}.

Classes: whitespace = the Unicode White_Space property (listed below), digit = category Nd,
punctuation = categories P* and S*, Hangul by block ranges (syllables, Jamo, compatibility
Jamo, Jamo Extended-A/B, halfwidth Jamo) restricted to assigned letters, letters = the rest.
"""
import collections
import json
import sys
import unicodedata

WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
HANGUL_RANGES = [(0x1100, 0x11FF), (0x3131, 0x318E), (0xA960, 0xA97C), (0xAC00, 0xD7A3),
                 (0xD7B0, 0xD7FB), (0xFFA0, 0xFFDC)]


def is_hangul(ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in HANGUL_RANGES) and unicodedata.category(ch)[0] == "L"


def top_ngram(words, word_chars):
    best = 0.0
    for n in (2, 3, 4):
        grams = collections.Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
        if not grams:
            continue
        top = max(grams.values())
        if top < 2:
            continue
        length = max(sum(len(w) for w in g) for g, c in grams.items() if c == top)
        best = max(best, min(1.0, top * length / word_chars))
    return best


def signals(text):
    cls = collections.Counter()
    for ch in text:
        if ch in WHITE_SPACE:
            cls["whitespace"] += 1
        elif unicodedata.category(ch) == "Nd":
            cls["digit"] += 1
        elif unicodedata.category(ch)[0] in "PS":
            cls["punctuation"] += 1
        else:
            cls["letters"] += 1
            cls["hangul"] += is_hangul(ch)
    words, current = [], []
    for ch in text:
        if ch in WHITE_SPACE:
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    word_chars = sum(len(w) for w in words)
    lines = [l[:-1] if l.endswith("\r") else l for l in text.split("\n")]
    lines = [l for l in lines if any(ch not in WHITE_SPACE for ch in l)]
    seen, repeats = set(), 0
    for l in lines:
        repeats += l in seen
        seen.add(l)
    return {"bytes": len(text.encode("utf-8")), "chars": len(text), "words": len(words),
            "whitespace": cls["whitespace"], "digit": cls["digit"],
            "punctuation": cls["punctuation"], "hangul": cls["hangul"], "letters": cls["letters"],
            "hangul_share": cls["hangul"] / cls["letters"] if cls["letters"] else 0.0,
            "duplicate_line_fraction": repeats / len(lines) if len(lines) > 1 else 0.0,
            "top_ngram_repetition": top_ngram(words, word_chars) if word_chars else 0.0,
            "mean_word_length": word_chars / len(words) if words else 0.0}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    out = [signals(t) for t in texts]
    out.append({"documents": len(texts), "unique_documents": len(set(texts))})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
