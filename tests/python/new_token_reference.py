"""Independent reference for test_new_token_map.

  new_token_reference.py BASE_MODEL PIECES_JSON
      PIECES_JSON holds a JSON list of pieces ("▁" for space). Turns off add_dummy_prefix and
      remove_extra_whitespaces in a copy of the base model with the protobuf classes shipped
      with Python sentencepiece, encodes each piece's text ("▁" -> " ") with it and prints one
      JSON list per piece: [{"ids": [...], "pieces": [...]}, ...].
"""
import json
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2


def main():
    base_path, pieces_path = sys.argv[1], sys.argv[2]
    proto = model_pb2.ModelProto()
    with open(base_path, "rb") as f:
        proto.ParseFromString(f.read())
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    with open(pieces_path, encoding="utf-8") as f:
        pieces = json.load(f)
    out = []
    for piece in pieces:
        ids = sp.encode(piece.replace("\u2581", " "))
        out.append({"ids": ids, "pieces": [sp.id_to_piece(i) for i in ids]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
