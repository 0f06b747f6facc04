"""Independent reference for Glossa's Llama model, HF checkpoints and safetensors files
(tests/training/test_{llama_model,hf_checkpoint,safetensors}.cpp): transformers 4.57 and the
safetensors library compute what Glossa must reproduce.

Each command takes a JSON file listing jobs, so one Python start (transformers imports slowly)
serves a whole test:

  hf_llama_reference.py make JOBS_JSON
      jobs: [{"config": {config.json fields}, "model_dir", "reference", "seed", "batch",
      "length"}]. Builds a random model of "config" (LlamaForCausalLM or MistralForCausalLM: the
      "architectures" entry), perturbs norm weights and biases away from 1 and 0 so they are
      tested too, saves it with save_pretrained(safe_serialization=True) to model_dir, and writes
      reference (safetensors): "ids" (batch, length) int64 and "logits" (batch, length, V)
      float32 from transformers' eager attention.
  hf_llama_reference.py logits JOBS_JSON
      jobs: [{"model_dir", "ids", "out"}]. Loads model_dir (written by Glossa) with
      from_pretrained in float32, runs "ids" of the ids file and writes "logits" to out. Prints
      one JSON line per job: loading info (missing, unexpected, mismatched keys).
  hf_llama_reference.py st CPP_FILE PY_FILE
      Prints JSON {"mismatches": [...]} comparing CPP_FILE (written by Glossa) against the shared
      recipe, then writes the recipe to PY_FILE with metadata {"format": "pt"}.
"""
import json
import sys

import torch
from safetensors.torch import load_file, save_file


def recipe():
    """The tensors both sides construct (test_safetensors.cpp builds the same)."""
    out = {}
    base = torch.arange(15, dtype=torch.float32).reshape(3, 5) * 0.37 - 2.0
    for name, dtype in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)]:
        out["t_" + name] = base.to(dtype)
    ints = torch.arange(15, dtype=torch.int64).reshape(3, 5) * 7919 - 50000
    out["t_i64"] = ints * 1000003  # beyond 2^32
    out["t_i32"] = ints.to(torch.int32)
    out["scalar"] = torch.tensor(3.5)
    out["empty"] = torch.zeros(0, 4)
    return out


def make(config, model_dir, reference, seed, batch, length):
    import transformers
    config_dict = config
    arch = config_dict.get("architectures", ["LlamaForCausalLM"])[0]
    torch.manual_seed(int(seed))
    cls = getattr(transformers, arch)
    config_cls = transformers.MistralConfig if arch == "MistralForCausalLM" else transformers.LlamaConfig
    config = config_cls(**config_dict)
    model = cls(config).to(torch.float32).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.add_(0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.add_(0.02 * torch.randn_like(p))
    model.config._attn_implementation = "eager"
    model.save_pretrained(model_dir, safe_serialization=True)
    ids = torch.randint(0, config.vocab_size, (int(batch), int(length)), dtype=torch.int64)
    with torch.no_grad():
        logits = model(ids).logits.to(torch.float32).contiguous()
    save_file({"ids": ids, "logits": logits}, reference)


def logits(model_dir, ids, out):
    import transformers
    model, info = transformers.AutoModelForCausalLM.from_pretrained(
        model_dir, torch_dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    model.eval()
    ids = load_file(ids)["ids"]
    with torch.no_grad():
        result = model(ids).logits.to(torch.float32).contiguous()
    save_file({"logits": result}, out)
    print(json.dumps({k: [str(x) for x in v] for k, v in info.items()}))


def st_check(path):
    got = load_file(path)
    want = recipe()
    mismatches = []
    for name in sorted(set(got) | set(want)):
        if name not in got or name not in want:
            mismatches.append(name + ": present on one side only")
        elif got[name].dtype != want[name].dtype or got[name].shape != want[name].shape:
            mismatches.append(f"{name}: {got[name].dtype} {tuple(got[name].shape)} vs "
                              f"{want[name].dtype} {tuple(want[name].shape)}")
        elif not torch.equal(got[name], want[name]):
            mismatches.append(name + ": values differ")
    print(json.dumps({"mismatches": mismatches}))


def main(argv):
    command = argv[1]
    if command in ("make", "logits"):
        for job in json.loads(open(argv[2]).read()):
            (make if command == "make" else logits)(**job)
    elif command == "st":
        st_check(argv[2])
        save_file(recipe(), argv[3], metadata={"format": "pt"})
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
