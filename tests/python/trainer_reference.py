"""transformers LlamaForCausalLM + torch.optim.AdamW: the reference loop for test_trainer.

Usage:
  trainer_reference.py init DIR          writes a random tiny Llama (seed 11) to DIR with
                                         save_pretrained (config.json + model.safetensors)
  trainer_reference.py train DIR CASE    trains the model in DIR on CASE (JSON: batches[step]
                                         [micro] = {inputs, targets, mask, B, T}, lrs[step],
                                         betas, eps, weight_decay, clip) and prints
                                         {"losses": [...]}: per step, the sum of the target
                                         cross-entropies of all micro-batches / their target count
Weight decay applies to every parameter except embeddings, the LM head and norms (Glossa's
default); gradients are clipped with torch.nn.utils.clip_grad_norm_.
"""
import json
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def init(path):
    torch.manual_seed(11)
    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64,
                         tie_word_embeddings=False, rms_norm_eps=1e-5)
    LlamaForCausalLM(config).save_pretrained(path, safe_serialization=True)


def tensor(values, b, t):
    return torch.tensor(values, dtype=torch.long).view(b, t)


def train(path, case_path):
    torch.use_deterministic_algorithms(True)
    case = json.load(open(case_path))
    model = LlamaForCausalLM.from_pretrained(path, torch_dtype=torch.float32,
                                             attn_implementation="eager")
    model.train()
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        plain = "embed_tokens" in name or "lm_head" in name or "norm" in name
        (no_decay if plain else decay).append(p)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": case["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=case["lrs"][0], betas=tuple(case["betas"]), eps=case["eps"], foreach=False)
    losses = []
    for step, micro_batches in enumerate(case["batches"]):
        for group in optimizer.param_groups:
            group["lr"] = case["lrs"][step]
        total = sum(sum(m["mask"]) for m in micro_batches)
        loss_sum = 0.0
        for m in micro_batches:
            ids = tensor(m["inputs"], m["B"], m["T"])
            targets = tensor(m["targets"], m["B"], m["T"])
            targets[tensor(m["mask"], m["B"], m["T"]) == 0] = -100
            # bf16-mixed: float32 parameters and AdamW state, bf16 compute (PyTorch AMP).
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=case.get("mixed", False)):
                logits = model(input_ids=ids).logits.float()
            s = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)),
                                                  targets.view(-1), ignore_index=-100,
                                                  reduction="sum")
            (s / total).backward()
            loss_sum += s.item()
        if case["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), case["clip"])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss_sum / total)
    print(json.dumps({"losses": losses}))


if __name__ == "__main__":
    if sys.argv[1] == "init":
        init(sys.argv[2])
    else:
        train(sys.argv[2], sys.argv[3])
