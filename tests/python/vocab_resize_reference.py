"""transformers' resize_token_embeddings(mean_resizing=True) on given matrices, for
test_vocab_resize.

Usage: vocab_resize_reference.py DIR V C NEW_V
DIR/embed.f32, DIR/head.f32: (V, C) float32. Builds a tiny untied LlamaForCausalLM with these
matrices, resizes it to NEW_V and prints JSON: the old rows' float32 mean per matrix
("embed_old_mean", "head_old_mean"), the mean of the new rows ("embed_new_mean",
"head_new_mean"), the root-mean-square deviation of the new rows from the old mean
("embed_new_rms_dev", "head_new_rms_dev") and whether the old rows are unchanged.
"""
import json
import sys

import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    d, v, c, new_v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    embed = torch.from_numpy(np.fromfile(d + "/embed.f32", dtype="<f4").reshape(v, c).copy())
    head = torch.from_numpy(np.fromfile(d + "/head.f32", dtype="<f4").reshape(v, c).copy())
    config = LlamaConfig(vocab_size=v, hidden_size=c, intermediate_size=16, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.model.embed_tokens.weight.copy_(embed)
        model.lm_head.weight.copy_(head)
    model.resize_token_embeddings(new_v, mean_resizing=True)
    out = {}
    for name, old, new in (("embed", embed, model.model.embed_tokens.weight.detach()),
                           ("head", head, model.lm_head.weight.detach())):
        old_mean = old.mean(0)
        rows = new[v:]
        out[name + "_old_mean"] = old_mean.tolist()
        out[name + "_new_mean"] = rows.mean(0).tolist()
        out[name + "_new_rms_dev"] = float(((rows - old_mean) ** 2).mean().sqrt())
        out[name + "_old_rows_unchanged"] = bool(torch.equal(new[:v], old))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
