"""Independent reference readings of corpus files for test_corpus_reader and test_utf8.

  corpus_reference.py csv FILE DELIMITER COLUMN [--texts]
      Python's csv module (default dialect: double quotes, non-strict). COLUMN is a header name
      or a 0-based index (-1 = last). Rows without the column are skipped, like Glossa.
  corpus_reference.py jsonl FILE FIELD [--texts]
      json.loads per non-blank line; objects whose FIELD is a string.
  corpus_reference.py repair HEX...
      bytes.decode('utf-8', 'replace') (the maximal-subpart rule) of each hex string.

Prints one JSON object: count, sha256 (of the texts, each followed by a NUL byte),
extra_lines (line breaks inside the texts), sha256_single_line (of the texts without
line breaks), texts (with --texts).
"""
import csv
import hashlib
import json
import sys


def summary(texts, with_texts):
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    single = hashlib.sha256()
    for text in texts:
        if "\n" not in text:
            single.update(text.encode("utf-8") + b"\0")
    out = {"count": len(texts), "sha256": digest.hexdigest(),
           "sha256_single_line": single.hexdigest(),
           "extra_lines": sum(text.count("\n") for text in texts)}
    if with_texts:
        out["texts"] = texts
    return out


def read_csv(path, delimiter, column):
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    header, rows = rows[0], rows[1:]
    index = int(column) if column.lstrip("-").isdigit() else header.index(column)
    texts = []
    for row in rows:
        if index < 0 and row:
            texts.append(row[index])
        elif 0 <= index < len(row):
            texts.append(row[index])
    return [t for t in texts if t]


def read_jsonl(path, field):
    texts = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and isinstance(value.get(field), str) and value[field]:
                texts.append(value[field])
    return texts


def main(argv):
    with_texts = "--texts" in argv
    argv = [a for a in argv if a != "--texts"]
    if argv[1] == "csv":
        delimiter = "\t" if argv[3] in ("\\t", "tab") else argv[3]
        print(json.dumps(summary(read_csv(argv[2], delimiter, argv[4]), with_texts)))
    elif argv[1] == "jsonl":
        print(json.dumps(summary(read_jsonl(argv[2], argv[3]), with_texts)))
    elif argv[1] == "repair":
        texts = [bytes.fromhex(h).decode("utf-8", "replace") for h in argv[2:]]
        print(json.dumps(summary(texts, True)))
    else:
        sys.exit("unknown mode " + argv[1])


if __name__ == "__main__":
    main(sys.argv)
