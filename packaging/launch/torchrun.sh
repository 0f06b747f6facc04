#!/usr/bin/env bash
# Launch glossa-train on one or more nodes with torchrun (docs/distributed.md).
# torchrun only starts processes and sets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
# MASTER_ADDR and MASTER_PORT; glossa-train needs no Python (--no-python). Run this script on
# EVERY node with the same RUN.json path (a shared file system) and its own NODE_RANK:
#
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=node01 ./torchrun.sh runs/eeve/RUN.json   # on node01
#   NNODES=2 NODE_RANK=1 MASTER_ADDR=node01 ./torchrun.sh runs/eeve/RUN.json   # on node02
#
# One node: ./torchrun.sh runs/eeve/RUN.json (all visible GPUs).
set -euo pipefail

RUN_JSON=${1:?usage: torchrun.sh RUN.json [extra glossa-train arguments]}
shift
GLOSSA_TRAIN=${GLOSSA_TRAIN:-glossa-train}            # path of the glossa-train binary
TORCHRUN=${TORCHRUN:-torchrun}                        # e.g. ~/.local/share/glossa/venv/bin/torchrun
NNODES=${NNODES:-1}                                   # nodes in the run
NODE_RANK=${NODE_RANK:-0}                             # this node's index, 0 on MASTER_ADDR
GPUS_PER_NODE=${GPUS_PER_NODE:-$(nvidia-smi -L 2>/dev/null | wc -l)}
GPUS_PER_NODE=${GPUS_PER_NODE:-1}
[ "$GPUS_PER_NODE" -gt 0 ] || GPUS_PER_NODE=1         # no GPU: one CPU process (Gloo)
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}                 # host of node rank 0, reachable by all
MASTER_PORT=${MASTER_PORT:-29500}                     # a free TCP port on MASTER_ADDR

# NCCL picks its network itself; pin it when nodes have several (e.g. NCCL_SOCKET_IFNAME=ib0).
# Gloo (CPU runs) honours GLOO_SOCKET_IFNAME the same way.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-8}

exec "$TORCHRUN" --no-python \
  --nnodes="$NNODES" --node-rank="$NODE_RANK" --nproc-per-node="$GPUS_PER_NODE" \
  --master-addr="$MASTER_ADDR" --master-port="$MASTER_PORT" \
  "$GLOSSA_TRAIN" "$RUN_JSON" "$@"
