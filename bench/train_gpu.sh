#!/usr/bin/env bash
# GPU training throughput and MFU of Glossa beside transformers + torch.optim.AdamW (the peer):
# the TinyLlama-1.1B shape at sequence 2048 in bf16-mixed (float32 masters; DTYPE=bfloat16 for
# pure bf16) on one CUDA device, same initial weights,
# same batches, same optimizer settings, in the same run (docs/gpu-node.md):
#   bench/train_gpu.sh [WORK_DIR]
# Environment: BUILD (default build: a build with glossa-bench-train-cpu against this machine's
# LibTorch), PYTHON (default python3, with torch and transformers), SHAPE (tinyllama), DEVICE
# (cuda), DTYPE (bf16-mixed), BATCH (4), SEQ (2048), STEPS (10), WARMUP (untimed first steps, 3),
# PEAK_TFLOPS (989: H100 / H200 SXM dense bf16; MFU = flops_per_token x tokens/s / peak, the
# trainer's formula, docs/run-config.md). Prints a Markdown row: tokens/s and MFU of both, the
# ratio, and the largest loss difference over all steps.
set -euo pipefail
work=${1:-$(mktemp -d /tmp/glossa-train-gpu.XXXXXX)}
build=${BUILD:-build}
python=${PYTHON:-python3}
bench=$build/bin/glossa-bench-train-cpu
[[ -x $bench ]] || { echo "no $bench: build the project with GLOSSA_BUILD_TRAINING=ON" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
shape=${SHAPE:-tinyllama} device=${DEVICE:-cuda} dtype=${DTYPE:-bf16-mixed}
batch=${BATCH:-4} seq=${SEQ:-2048} steps=${STEPS:-10} warmup=${WARMUP:-3}
peak=${PEAK_TFLOPS:-989}
mkdir -p "$work"
common=(--steps "$steps" --warmup "$warmup" --batch "$batch" --seq "$seq")
"$bench" --shape "$shape" --device "$device" --dtype "$dtype" --peak-tflops "$peak" \
  "${common[@]}" --out "$work" > "$work/glossa.json"
"$python" "$here/train_cpu_peer.py" "$work" --device "$device" --dtype "$dtype" "${common[@]}" \
  2> "$work/peer.log" > "$work/peer.json"
"$python" - "$work/glossa.json" "$work/peer.json" "$peak" <<'PY'
import json, sys
g = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2])); peak = float(sys.argv[3])
mfu = lambda tps: g["flops_per_token"] * tps / (peak * 1e12)
diff = max(abs(a - b) for a, b in zip(g["losses"], p["losses"]))
print("| shape | device | dtype | batch x seq | glossa tok/s | glossa MFU | transformers tok/s |"
      " transformers MFU | ratio | max loss diff |")
print("|---|---|---|---|---|---|---|---|---|---|")
print(f'| {g["shape"]} | {g["device"]} | {g["dtype"]} | {g["batch"]} x {g["seq"]} | '
      f'{g["tokens_per_s"]:.0f} | {mfu(g["tokens_per_s"]):.1%} | {p["tokens_per_s"]:.0f} | '
      f'{mfu(p["tokens_per_s"]):.1%} | {g["tokens_per_s"] / p["tokens_per_s"]:.2f} | {diff:.2e} |')
PY
