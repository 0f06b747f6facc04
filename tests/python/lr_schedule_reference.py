"""Reference learning rates from transformers' schedulers (optimization.py), for test_lr_schedule.

Usage: lr_schedule_reference.py KIND PEAK MIN WARMUP TOTAL DECAY_STEPS STEP...
KIND: cosine (get_cosine_with_min_lr_schedule_with_warmup's lambda) or wsd (get_wsd_schedule's
lambda, linear warmup and linear decay). Prints a JSON list of lr values, one per STEP.
"""
import json
import sys

from transformers import optimization as opt


def main():
    kind, peak, min_lr = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    warmup, total, decay = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    steps = [int(s) for s in sys.argv[7:]]
    out = []
    for s in steps:
        if kind == "cosine":
            f = opt._get_cosine_schedule_with_warmup_lr_lambda(
                s, num_warmup_steps=warmup, num_training_steps=total, num_cycles=0.5,
                min_lr_rate=min_lr / peak)
        else:
            f = opt._get_wsd_scheduler_lambda(
                s, num_warmup_steps=warmup, num_stable_steps=total - warmup - decay,
                num_decay_steps=decay, warmup_type="linear", decay_type="linear",
                min_lr_ratio=min_lr / peak, num_cycles=0.5)
        out.append(peak * f)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
