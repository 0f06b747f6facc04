"""Per-kernel timings behind the CPU training step's choices (docs/benchmarks.md): the fused
cross-entropy of training/run/cross_entropy.h vs F.cross_entropy, torch's fused AdamW kernel (what
MaskedAdamW runs per slice) vs the term-by-term update, and float32 vs float64 gradient norms.
Each is the same torch operations the engine calls, timed on the CPU, best of 3 rounds of 10.
  python bench/train_cpu_kernels.py [--threads 1]
"""
import argparse, time

import torch
import torch.nn.functional as F


def best_ms(fn, rounds=3, reps=10):
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - start) / reps * 1000)
    return best


def cross_entropy_rows(n, v):
    x = torch.randn(n, v, requires_grad=True)
    y = torch.randint(0, v, (n,))

    def torch_ce():
        F.cross_entropy(x, y, reduction="sum").backward()
        x.grad = None

    def glossa_ce():  # forward keeps log-probabilities; backward: exp_ - one-hot, scaled, in place
        with torch.no_grad():
            log_probs = torch.log_softmax(x, 1)
            _ = -log_probs.gather(1, y[:, None]).sum()
            grad = log_probs.exp_()
            grad.scatter_add_(1, y[:, None], torch.full((n, 1), -1.0))
            grad.mul_(torch.ones(n)[:, None])

    a, b = best_ms(glossa_ce), best_ms(torch_ce)
    return f"| cross-entropy fwd+bwd, N {n} x V {v} | {a:.1f} | {b:.1f} (F.cross_entropy) |"


def adamw(n):
    p, g = torch.randn(n), torch.randn(n)
    m, v, step = torch.zeros(n), torch.zeros(n), torch.tensor(1.0)

    def fused():
        torch._fused_adamw_([p], [g], [m], [v], [], [step], lr=1e-3, beta1=0.9, beta2=0.999,
                            weight_decay=0.0, eps=1e-8, amsgrad=False, maximize=False)

    def term_by_term():
        m.mul_(0.9).add_(g, alpha=0.1)
        v.mul_(0.999).addcmul_(g, g, value=0.001)
        p.addcdiv_(m, (v.sqrt() / 0.5).add_(1e-8), value=-1e-3 / 0.1)

    a, b = best_ms(fused), best_ms(term_by_term)
    return f"| AdamW update, {n:,} parameters | {a:.1f} | {b:.1f} (term by term) |"


def norms(n):
    x = torch.randn(n)
    a = best_ms(lambda: torch.linalg.vector_norm(x, 2, dtype=torch.float32))
    b = best_ms(lambda: x.double().norm())
    return f"| gradient L2 norm, {n:,} elements | {a:.1f} | {b:.1f} (float64 copy) |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} thread(s); milliseconds, best of 3 x 10")
    print("| kernel | glossa's choice ms | alternative ms |\n|---|---|---|")
    for row in (cross_entropy_rows(2048, 512), cross_entropy_rows(2048, 8000),
                cross_entropy_rows(2048, 32000), adamw(10_424_576), norms(10_424_576)):
        print(row)


if __name__ == "__main__":
    main()
