"""Independent reference for test_text_normalizer: Python's unicodedata.normalize.

  normalize_reference.py FORM...
      Reads a JSON array of strings on stdin; prints one JSON object
      {"unidata_version": ..., "FORM": [normalized strings, ...], ...} for each FORM
      (NFC, NFD, NFKC, NFKD).
"""
import json
import sys
import unicodedata


def main():
    texts = json.load(sys.stdin)
    out = {"unidata_version": unicodedata.unidata_version}
    for form in sys.argv[1:]:
        out[form] = [unicodedata.normalize(form, text) for text in texts]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
