"""Python torch.optim.AdamW on a saved case, for test_masked_adamw.

Usage: adamw_reference.py DIR N STEPS LR BETA1 BETA2 EPS WD
DIR/p0.f32: N float32 (initial parameter); DIR/grads.f32: STEPS x N float32 (the gradient of
each step). Writes DIR/final.f32: the parameter after STEPS AdamW steps (float32, little endian).
"""
import sys

import numpy as np
import torch


def main():
    d, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lr, b1, b2, eps, wd = (float(x) for x in sys.argv[4:9])
    p = torch.nn.Parameter(torch.from_numpy(np.fromfile(d + "/p0.f32", dtype="<f4").copy()))
    grads = torch.from_numpy(np.fromfile(d + "/grads.f32", dtype="<f4").reshape(steps, n).copy())
    optimizer = torch.optim.AdamW([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                  foreach=False)
    for s in range(steps):
        p.grad = grads[s].clone()
        optimizer.step()
    p.detach().numpy().astype("<f4").tofile(d + "/final.f32")


if __name__ == "__main__":
    main()
