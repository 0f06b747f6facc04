"""The peer of glossa-bench-train-cpu: transformers' LlamaForCausalLM (SDPA attention) trained
with torch.optim.AdamW (all parameters, the same hyper-parameters, clip 1.0) from the initial
weights and on the batches the Glossa benchmark wrote, in the same precision (fp32 on the CPU;
on CUDA bf16 parameters, gradients and moments, like Glossa's trainer). Prints one JSON line
like it. On CUDA each step is timed between device synchronisations.
  python bench/train_cpu_peer.py DIR --threads N --steps S --batch B --seq T [--warmup W]
                                 [--lr LR] [--device cpu|cuda] [--dtype float32|bf16-mixed|bfloat16]
"""
import argparse, json, time

import numpy as np
import torch
from transformers import LlamaForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--dtype", default="float32", choices=["float32", "bf16-mixed", "bfloat16"])
    a = ap.parse_args()
    # bf16-mixed: float32 parameters and AdamW state, forward under torch.autocast(bfloat16)
    # (PyTorch AMP, the usual peer of Glossa's float32 masters with bf16 compute).
    mixed = a.dtype == "bf16-mixed"
    dtype = torch.float32 if mixed else getattr(torch, a.dtype)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    torch.set_num_threads(a.threads)
    model = LlamaForCausalLM.from_pretrained(a.dir + "/init", dtype=dtype,
                                             attn_implementation="sdpa").to(a.device)
    model.train()
    ids = np.fromfile(a.dir + "/batches.bin", dtype=np.int64).reshape(a.steps, a.batch, a.seq + 1)
    ids = torch.from_numpy(ids).to(a.device)
    # Glossa never decays norms or embeddings; with weight decay 0 one group is the same thing.
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.0)
    vocab = model.config.vocab_size
    losses, timed = [], 0.0
    for step in range(a.steps):
        sync()
        start = time.perf_counter()
        window = ids[step]
        with torch.autocast(device_type=a.device, dtype=torch.bfloat16, enabled=mixed):
            logits = model(input_ids=window[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, vocab),
                                                 window[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        sync()
        if step >= a.warmup:
            timed += time.perf_counter() - start
    tokens = (a.steps - a.warmup) * a.batch * a.seq
    print(json.dumps({"impl": "transformers", "device": a.device, "dtype": a.dtype,
                      "threads": a.threads, "batch": a.batch, "seq": a.seq,
                      "tokens_per_s": tokens / timed, "losses": losses}))


if __name__ == "__main__":
    main()
