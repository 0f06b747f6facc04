"""Independent reference for Glossa's llama2.c import (tests/training/test_llama2c_checkpoint.cpp,
test_generation.cpp, tests/tokenizer/test_llama2c_tokenizer.cpp): llama2.c's run.c re-written in
numpy, reading the .bin files directly (interleaved RoPE, no permutation), plus llama2.c's
tokenizer `encode` / `decode`, the Python sentencepiece package and transformers.

  llama2c_reference.py logits BIN IDS_JSON OUT_JSON
      Runs run.c's forward token by token (KV cache, positions 0..T-1) over the ids (a JSON list)
      and writes {"logits": [[V floats] x T]}.
  llama2c_reference.py generate BIN STEPS
      Greedy decode from BOS as `run BIN -t 0 -n STEPS` does; prints the ids (JSON list, BOS
      first, stopping before a BOS, as run.c's loop does).
  llama2c_reference.py encode TOK_BIN TEXT_JSON
      llama2.c's encode(text, bos=1, eos=0) for each text of a JSON list; prints a JSON list of
      id lists.
  llama2c_reference.py decode TOK_BIN IDS_JSON
      llama2.c's decode of the ids (a JSON list, BOS first) as run.c's generate prints them;
      prints the text as JSON.
  llama2c_reference.py sp MODEL TEXTS_JSON IDS_JSON
      The sentencepiece package loads MODEL (written by Glossa); prints JSON {"encode": [ids of
      each text, no BOS], "decode": text of IDS_JSON, "pieces": vocab size, "bos", "eos", "unk"}.
  llama2c_reference.py hf DIR IDS_JSON OUT_JSON
      transformers loads DIR (written by Glossa) in float32; writes {"logits": [[V] x T],
      "missing": [...], "unexpected": [...]}.
"""
import json
import math
import struct
import sys

import numpy as np


def read_checkpoint(path):
    data = open(path, "rb").read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack_from("7i", data, 0)
    shared = vocab > 0
    vocab = abs(vocab)
    head = dim // heads
    kv_dim = dim * kv_heads // heads
    floats = np.frombuffer(data, dtype="<f4", offset=28)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        out = floats[pos:pos + n].reshape(shape)
        pos += n
        return out

    w = {}
    w["emb"] = take(vocab, dim)
    w["rms_att"] = take(layers, dim)
    w["wq"] = take(layers, dim, dim)
    w["wk"] = take(layers, kv_dim, dim)
    w["wv"] = take(layers, kv_dim, dim)
    w["wo"] = take(layers, dim, dim)
    w["rms_ffn"] = take(layers, dim)
    w["w1"] = take(layers, hidden, dim)
    w["w2"] = take(layers, dim, hidden)
    w["w3"] = take(layers, hidden, dim)
    w["rms_final"] = take(dim)
    take(seq_len, head // 2)  # legacy freq_cis_real
    take(seq_len, head // 2)  # legacy freq_cis_imag
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads,
               vocab=vocab, seq_len=seq_len, head=head, kv_dim=kv_dim)
    return cfg, w


def rmsnorm(x, weight):
    ss = np.float32(np.dot(x, x) / np.float32(x.size) + np.float32(1e-5))
    return weight * (x / np.sqrt(ss))


class RunC:
    """run.c's Transformer: forward(token, pos) with a KV cache, float32 throughout."""

    def __init__(self, path):
        self.cfg, self.w = read_checkpoint(path)
        c = self.cfg
        self.key_cache = np.zeros((c["layers"], c["seq_len"], c["kv_dim"]), np.float32)
        self.value_cache = np.zeros_like(self.key_cache)

    def rope(self, vec, pos, n):
        # run.c: for i in 0..dim step 2, pair (i, i+1) of each head rotated by pos * freq.
        head = self.cfg["head"]
        for i in range(0, n, 2):
            freq = 1.0 / math.pow(10000.0, (i % head) / float(head))
            val = pos * np.float32(freq)
            fcr, fci = np.float32(math.cos(val)), np.float32(math.sin(val))
            v0, v1 = vec[i], vec[i + 1]
            vec[i] = v0 * fcr - v1 * fci
            vec[i + 1] = v0 * fci + v1 * fcr

    def forward(self, token, pos):
        c, w = self.cfg, self.w
        x = w["emb"][token].astype(np.float32).copy()
        head, kv_mul = c["head"], c["heads"] // c["kv_heads"]
        for l in range(c["layers"]):
            xb = rmsnorm(x, w["rms_att"][l])
            q = w["wq"][l] @ xb
            k = w["wk"][l] @ xb
            v = w["wv"][l] @ xb
            self.rope(q, pos, c["dim"])
            self.rope(k, pos, c["kv_dim"])
            self.key_cache[l, pos] = k
            self.value_cache[l, pos] = v
            out = np.zeros(c["dim"], np.float32)
            for h in range(c["heads"]):
                qh = q[h * head:(h + 1) * head]
                kv = (h // kv_mul) * head
                keys = self.key_cache[l, :pos + 1, kv:kv + head]  # (t, head)
                att = keys @ qh / np.float32(math.sqrt(head))
                att = np.exp(att - att.max())
                att /= att.sum()
                out[h * head:(h + 1) * head] = att @ self.value_cache[l, :pos + 1, kv:kv + head]
            x = x + w["wo"][l] @ out
            xb = rmsnorm(x, w["rms_ffn"][l])
            hb = w["w1"][l] @ xb
            hb2 = w["w3"][l] @ xb
            hb = hb * (1.0 / (1.0 + np.exp(-hb))) * hb2
            x = x + w["w2"][l] @ hb
        x = rmsnorm(x, w["rms_final"])
        return w["cls"] @ x  # (V,)


def read_tokenizer(path, vocab_size=512):
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("i", data, 0)
    off, vocab, scores = 4, [], []
    while off < len(data):
        score, n = struct.unpack_from("fi", data, off)
        off += 8
        vocab.append(data[off:off + n])
        scores.append(score)
        off += n
    return vocab, scores


def encode(vocab, scores, text):
    """run.c encode(t, text, bos=1, eos=0): code points (else bytes + 3), then the best-scored
    pair merges, leftmost first on ties."""
    lookup = {piece: i for i, piece in enumerate(vocab)}
    tokens = [1]
    raw = text.encode("utf-8")
    if raw:
        tokens.append(lookup[b" "])
    for ch in text:
        b = ch.encode("utf-8")
        if b in lookup:
            tokens.append(lookup[b])
        else:
            tokens.extend(byte + 3 for byte in b)
    while True:
        best_score, best_id, best_idx = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            merged = vocab[tokens[i]] + vocab[tokens[i + 1]]
            mid = lookup.get(merged, -1)
            if mid != -1 and scores[mid] > best_score:
                best_score, best_id, best_idx = scores[mid], mid, i
        if best_idx == -1:
            break
        tokens[best_idx:best_idx + 2] = [best_id]
    return tokens


def decode(vocab, ids):
    """run.c decode(prev, token) concatenated: strips the space after BOS, <0xNN> -> byte."""
    out = b""
    for prev, tok in zip(ids, ids[1:]):
        piece = vocab[tok]
        if prev == 1 and piece.startswith(b" "):
            piece = piece[1:]
        if len(piece) == 6 and piece.startswith(b"<0x") and piece.endswith(b">"):
            piece = bytes([int(piece[3:5], 16)])
        out += piece
    return out.decode("utf-8", errors="replace")


def cmd_logits(bin_path, ids_path, out_path):
    model = RunC(bin_path)
    ids = json.load(open(ids_path))
    logits = [model.forward(t, p).tolist() for p, t in enumerate(ids)]
    json.dump({"logits": logits}, open(out_path, "w"))


def cmd_generate(bin_path, steps):
    model = RunC(bin_path)
    ids, token = [1], 1
    for pos in range(int(steps) - 1):
        nxt = int(np.argmax(model.forward(token, pos)))
        if nxt == 1:  # run.c: BOS delimits sequences
            break
        ids.append(nxt)
        token = nxt
    print(json.dumps(ids))


def cmd_sp(model_path, texts_path, ids_path):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model_path)
    texts = json.load(open(texts_path))
    ids = json.load(open(ids_path))
    print(json.dumps({"encode": [sp.encode(t) for t in texts], "decode": sp.decode(ids),
                      "pieces": sp.get_piece_size(), "bos": sp.bos_id(), "eos": sp.eos_id(),
                      "unk": sp.unk_id()}))


def cmd_hf(model_dir, ids_path, out_path):
    import torch
    import transformers
    model, info = transformers.AutoModelForCausalLM.from_pretrained(
        model_dir, torch_dtype=torch.float32, output_loading_info=True)
    model.config._attn_implementation = "eager"
    ids = torch.tensor([json.load(open(ids_path))], dtype=torch.int64)
    with torch.no_grad():
        logits = model(ids).logits[0]
    json.dump({"logits": logits.tolist(), "missing": info["missing_keys"],
               "unexpected": info["unexpected_keys"]}, open(out_path, "w"))


def main(argv):
    cmd = argv[1]
    if cmd == "logits":
        cmd_logits(argv[2], argv[3], argv[4])
    elif cmd == "generate":
        cmd_generate(argv[2], argv[3])
    elif cmd == "encode":
        vocab, scores = read_tokenizer(argv[2])
        print(json.dumps([encode(vocab, scores, t) for t in json.load(open(argv[3]))]))
    elif cmd == "decode":
        vocab, _ = read_tokenizer(argv[2])
        print(json.dumps(decode(vocab, json.load(open(argv[3])))))
    elif cmd == "sp":
        cmd_sp(argv[2], argv[3], argv[4])
    elif cmd == "hf":
        cmd_hf(argv[2], argv[3], argv[4])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
