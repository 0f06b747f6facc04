"""Independent reader of a Megatron-LM indexed dataset (PREFIX.bin + PREFIX.idx), written from
docs/shards.md with numpy, for test_indexed_dataset and
test_shard_packer.

  read_indexed_dataset.py PREFIX [--documents]

Layout (docs/shards.md): .idx = 9-byte magic b"MMIDIDX\\x00\\x00"; uint64 version (1); uint8 dtype
code (1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16); uint64 N; uint64 D; int32 sizes[N];
int64 pointers[N] (byte offsets into .bin); int64 document_index[D] (ends with N). .bin = the ids
of all sequences back to back, little endian.

Prints one JSON object: dtype, sequences, documents (D - 1), tokens, sizes, document_index, and
with --documents the ids of every document (its sequences concatenated) as lists.
Exits 1 with a message on stderr when the files are inconsistent.
"""
import json
import sys

import numpy as np

DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 8: np.uint16}


def read(prefix):
    with open(prefix + ".idx", "rb") as f:
        idx = f.read()
    if idx[:9] != b"MMIDIDX\x00\x00":
        raise ValueError("bad magic")
    version = int(np.frombuffer(idx, dtype="<u8", count=1, offset=9)[0])
    if version != 1:
        raise ValueError(f"version {version}")
    code = idx[17]
    dtype = np.dtype(DTYPES[code]).newbyteorder("<")
    n = int(np.frombuffer(idx, dtype="<u8", count=1, offset=18)[0])
    d = int(np.frombuffer(idx, dtype="<u8", count=1, offset=26)[0])
    offset = 34
    sizes = np.frombuffer(idx, dtype="<i4", count=n, offset=offset)
    offset += 4 * n
    pointers = np.frombuffer(idx, dtype="<i8", count=n, offset=offset)
    offset += 8 * n
    doc_index = np.frombuffer(idx, dtype="<i8", count=d, offset=offset)
    offset += 8 * d
    if offset != len(idx):
        raise ValueError(f".idx has {len(idx)} bytes, header implies {offset}")
    data = np.fromfile(prefix + ".bin", dtype=dtype)
    expected_pointers = np.concatenate([[0], np.cumsum(sizes.astype(np.int64))[:-1]]) * dtype.itemsize
    if n and not np.array_equal(pointers, expected_pointers):
        raise ValueError("pointers are not the running sum of sizes")
    if int(sizes.sum()) != len(data):
        raise ValueError(f".bin holds {len(data)} ids, sizes sum to {int(sizes.sum())}")
    if d < 1 or doc_index[0] != 0 or doc_index[-1] != n:
        raise ValueError("document index must start at 0 and end at N")
    return code, sizes, pointers, doc_index, data


def main():
    prefix = sys.argv[1]
    with_documents = "--documents" in sys.argv[2:]
    try:
        code, sizes, pointers, doc_index, data = read(prefix)
    except (ValueError, KeyError, OSError) as e:
        print(f"{prefix}: {e}", file=sys.stderr)
        sys.exit(1)
    out = {
        "dtype": np.dtype(DTYPES[code]).name,
        "sequences": int(len(sizes)),
        "documents": int(len(doc_index) - 1),
        "tokens": int(len(data)),
        "sizes": [int(s) for s in sizes],
        "document_index": [int(j) for j in doc_index],
    }
    if with_documents:
        itemsize = data.dtype.itemsize
        docs = []
        for j in range(len(doc_index) - 1):
            ids = []
            for i in range(doc_index[j], doc_index[j + 1]):
                start = int(pointers[i]) // itemsize
                ids.extend(int(x) for x in data[start:start + int(sizes[i])])
            docs.append(ids)
        out["document_ids"] = docs
    print(json.dumps(out))


if __name__ == "__main__":
    main()
