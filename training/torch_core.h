// The part of LibTorch the training engine uses, in one place: tensors and their options, autograd
// (custom functions, hooks, grad mode), nn::Module, the functional loss and linear, AdamW and the
// CUDA queries. It is the engine's precompiled header (training/CMakeLists.txt, tests/).
//
// Why not <torch/torch.h>: that header also pulls in every nn module, the data loaders, the JIT
// and serialization front ends, none of which the engine uses. On the 2-core CI machine a
// precompiled torch.h cost ~9 s to load per file and its parse ~36 s where it cannot be
// precompiled (the OpenMP files); this set loads in ~6 s and parses in ~21 s
// (docs/benchmarks.md, "Build time").
#pragma once

#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/optim/adamw.h>
#include <torch/types.h>
#include <torch/utils.h>
