"""Independent checks of an EEVE run glossa-train made (tests/docs/test_walkthrough.cpp).

  python eeve_run_check.py RUN_DIR BASE_DIR BASE_VOCAB SCHEDULE_JSON STEPS_PER_STAGE

1. Frozen parts: between consecutive stage ends (stage 1: against the base model's tensors)
   every tensor and row range a stage does not train is bit-identical, and what it trains moved.
   The selectors of the EEVE preset are mapped here by hand from docs/training-stages.md.
2. Export: transformers loads RUN_DIR/export (model and tokenizer) and its greedy continuation of
   a Korean prompt is printed as ids for the C++ side to compare with `glossa-cli model generate`.
Prints one JSON object; exits 1 with a message on the first failed check.
"""
import json, os, sys

import torch
from safetensors.torch import load_file

run_dir, base_dir, base_vocab, schedule_path, per_stage = sys.argv[1:6]
base_vocab, per_stage = int(base_vocab), int(per_stage)
schedule = json.load(open(schedule_path))
E, H = "model.embed_tokens.weight", "lm_head.weight"


def parts(names, selectors):
    """(tensor, rows or None) pieces a stage trains."""
    out = []
    for s in selectors:
        if s == "embed.new": out.append((E, slice(base_vocab, None)))
        elif s == "embed.old": out.append((E, slice(0, base_vocab)))
        elif s == "embed": out.append((E, None))
        elif s == "lm_head.new": out.append((H, slice(base_vocab, None)))
        elif s == "lm_head.old": out.append((H, slice(0, base_vocab)))
        elif s == "lm_head": out.append((H, None))
        elif s == "all": out += [(n, None) for n in names]
        elif s == "layers.all": out += [(n, None) for n in names if n.startswith("model.layers.")]
        else: raise SystemExit(f"selector {s} not mapped in this check")
    return out


def frozen_mask(t_name, shape, trained):
    """Boolean rows mask (True = frozen) for a (V, C) or any tensor."""
    rows = shape[0]
    mask = torch.ones(rows, dtype=torch.bool)
    for name, sl in trained:
        if name != t_name: continue
        if sl is None: mask[:] = False
        else: mask[sl] = False
    return mask


def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(1)


base = load_file(os.path.join(base_dir, "model.safetensors"))
if H not in base: base[H] = base[E]  # a tied base: its head is the embedding
previous = None
report = {"stages": []}
for k, stage in enumerate(schedule["stages"], start=1):
    ckpt = os.path.join(run_dir, "checkpoints", f"step-{k * per_stage:08d}", "model.safetensors")
    if not os.path.exists(ckpt): fail(f"no stage-end checkpoint {ckpt}")
    now = load_file(ckpt)
    trained = parts(list(now), stage["trainable"])
    moved = 0
    for name, t in now.items():
        before = previous[name] if previous is not None else base[name]
        if previous is None and name in (E, H):
            # The base had base_vocab rows; new rows did not exist before stage 1.
            full = frozen_mask(name, t.shape, trained)
            t_old, b_old, mask = t[:base_vocab], before[:base_vocab], full[:base_vocab]
            if not torch.equal(t_old[mask], b_old[mask]): fail(f"stage {k}: frozen rows of {name} moved")
            # Trained old rows must differ from the base; trained new rows have no "before".
            moved += int(bool((t_old[~mask] != b_old[~mask]).any())) + int(bool((~full[base_vocab:]).any()))
            continue
        mask = frozen_mask(name, t.shape, trained)
        if not torch.equal(t[mask], before[mask]): fail(f"stage {k} ({stage['name']}): frozen part of {name} moved")
        if (~mask).any() and not torch.equal(t[~mask], before[~mask]): moved += 1
    if moved == 0: fail(f"stage {k} ({stage['name']}): nothing it trains moved")
    report["stages"].append({"stage": stage["name"], "tensors_moved": moved})
    previous = now

from transformers import AutoTokenizer, LlamaForCausalLM

export = os.path.join(run_dir, "export")
model = LlamaForCausalLM.from_pretrained(export, torch_dtype=torch.float32)
tok = AutoTokenizer.from_pretrained(export, use_fast=False)
prompt = [tok.bos_token_id] + tok.encode("영화 정말 재미있", add_special_tokens=False)
with torch.no_grad():
    out = model.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False,
                         pad_token_id=tok.eos_token_id)
report.update({"ok": True, "prompt_ids": prompt, "generated_ids": out[0, len(prompt):].tolist(),
               "vocab_size": model.config.vocab_size})
print(json.dumps(report))
