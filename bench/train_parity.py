"""Compares the logits glossa-bench-train-parity wrote with transformers' LlamaForCausalLM run
from the same folders in the same dtype on the same device (and with a float32 CPU reference),
and prints a Markdown table: per variant, the largest absolute difference Glossa - transformers,
and both against float32, so the bf16 tolerance on CUDA can be recorded (docs/gpu-node.md).
  python bench/train_parity.py DIR --device cpu|cuda --dtype float32|bfloat16
"""
import argparse, os

import torch
from safetensors.torch import load_file
from transformers import LlamaForCausalLM


def logits(folder, ids, device, dtype):
    model = LlamaForCausalLM.from_pretrained(folder, dtype=dtype, attn_implementation="sdpa")
    model = model.to(device).eval()
    with torch.no_grad():
        return model(input_ids=ids.to(device)).logits.float().cpu()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    a = ap.parse_args()
    dtype = getattr(torch, a.dtype)
    if not os.path.isdir(a.dir):
        raise SystemExit(f"train_parity.py: {a.dir}: no such folder (run glossa-bench-train-parity"
                         " --out first)")
    print(f"| variant ({a.device}, {a.dtype}) | max abs glossa - transformers |"
          " glossa - fp32 reference | transformers - fp32 reference | logit scale |")
    print("|---|---|---|---|---|")
    for name in sorted(os.listdir(a.dir)):
        folder = os.path.join(a.dir, name)
        saved = os.path.join(folder, "glossa_logits.safetensors")
        if not os.path.exists(saved):
            continue
        t = load_file(saved)
        ours, ids = t["logits"], t["ids"]
        theirs = logits(folder, ids, a.device, dtype)
        reference = logits(folder, ids, "cpu", torch.float32)
        diff = lambda x, y: (x - y).abs().max().item()
        print(f"| {name} | {diff(ours, theirs):.3g} | {diff(ours, reference):.3g} | "
              f"{diff(theirs, reference):.3g} | {reference.abs().max().item():.3g} |")


if __name__ == "__main__":
    main()
