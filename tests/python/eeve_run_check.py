"""Independent checks of an EEVE run glossa-train made (tests/docs/test_walkthrough.cpp).

  python eeve_run_check.py RUN_DIR INITIAL_DIR BASE_VOCAB SCHEDULE_JSON STEPS_PER_STAGE
                          [--other-run DIR] [--no-export]

INITIAL_DIR: the model the run starts from, i.e. the base resized with the run's new-row init
(`glossa-cli model resize --init eeve`, the same code the trainer runs before stage 1).

1. Frozen parts: between consecutive stage ends (stage 1: against INITIAL_DIR's tensors, new
   rows included) every tensor and row range a stage does not train is bit-identical, and every
   tensor (and, for the embedding and head, every row range: old rows, new rows) a stage trains
   moved. The selectors of the EEVE preset are mapped here by hand from docs/training-stages.md.
2. Export: transformers loads RUN_DIR/export (model and tokenizer) and its greedy continuation of
   a Korean prompt is printed as ids for the C++ side to compare with `glossa-cli model generate`.
3. --other-run DIR: a run of the same data, seed and stages with other optimiser settings (the
   weight-decay run of test_walkthrough): per stage, how many trained pieces differ from its
   stage-end checkpoint (`pieces_differing_from_other`), so a setting that changed nothing shows.
--no-export skips 2.
Prints one JSON object; exits 1 with a message on the first failed check.
"""
import argparse, json, os, sys

import torch
from safetensors.torch import load_file

ap = argparse.ArgumentParser()
ap.add_argument("run_dir")
ap.add_argument("base_dir")
ap.add_argument("base_vocab", type=int)
ap.add_argument("schedule_path")
ap.add_argument("per_stage", type=int)
ap.add_argument("--other-run")
ap.add_argument("--no-export", action="store_true")
args = ap.parse_args()
run_dir, base_dir, base_vocab, per_stage = args.run_dir, args.base_dir, args.base_vocab, args.per_stage
schedule = json.load(open(args.schedule_path))
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


initial = load_file(os.path.join(base_dir, "model.safetensors"))
if H not in initial: initial[H] = initial[E]  # tied: the head is the embedding
previous = None
report = {"stages": []}


def stage_end(run, k):
    ckpt = os.path.join(run, "checkpoints", f"step-{k * per_stage:08d}", "model.safetensors")
    if not os.path.exists(ckpt): fail(f"no stage-end checkpoint {ckpt}")
    tensors = load_file(ckpt)
    if H not in tensors: tensors[H] = tensors[E]
    return tensors


for k, stage in enumerate(schedule["stages"], start=1):
    now = stage_end(run_dir, k)
    other = stage_end(args.other_run, k) if args.other_run else None
    trained = parts(list(now), stage["trainable"])
    moved, trained_pieces, differing = 0, 0, 0
    for name, t in now.items():
        before = previous[name] if previous is not None else initial[name]
        if before.shape != t.shape: fail(f"stage {k}: {name} is {tuple(t.shape)}, was {tuple(before.shape)}")
        mask = frozen_mask(name, t.shape, trained)
        if not torch.equal(t[mask], before[mask]):
            fail(f"stage {k} ({stage['name']}): frozen part of {name} moved")
        # Each trained piece must move on its own: old rows and new rows of the embedding and
        # the head are judged apart, so a stage whose new rows never train cannot pass.
        pieces = [slice(0, base_vocab), slice(base_vocab, None)] if name in (E, H) else [slice(None)]
        for rows in pieces:
            trains = ~mask[rows]
            if not trains.any(): continue
            trained_pieces += 1
            if torch.equal(t[rows][trains], before[rows][trains]):
                fail(f"stage {k} ({stage['name']}): {name} rows {rows.start}:{rows.stop} are "
                     "trained but did not move")
            moved += 1
            if other is not None and not torch.equal(t[rows][trains], other[name][rows][trains]):
                differing += 1
    if moved == 0: fail(f"stage {k} ({stage['name']}): nothing it trains moved")
    report["stages"].append({"stage": stage["name"], "pieces_moved": moved,
                             "pieces_trained": trained_pieces})
    if other is not None: report["stages"][-1]["pieces_differing_from_other"] = differing
    previous = now

if args.no_export:
    print(json.dumps({**report, "ok": True}))
    sys.exit(0)

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
