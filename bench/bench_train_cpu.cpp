// Training throughput of Glossa's training step: LlamaForCausalLM (default attention) + masked
// AdamW over every parameter + global-norm clipping, the same step the trainer runs, fp32 on the
// CPU by default; --dtype bf16-mixed (the trainer's CUDA default: bf16 parameters and gradients,
// float32 masters and moments) or bfloat16 (pure). Writes the initial weights (HF folder) and the batches so bench/train_cpu_peer.py can
// train transformers' LlamaForCausalLM with torch.optim.AdamW from the same start on the same
// data; bench/train_cpu.sh (CPU) and bench/train_gpu.sh (GPU) run both and compare.
//   glossa-bench-train-cpu --shape stories260K|10M|tinyllama --threads N --steps S --batch B
//                          --seq T --out DIR [--device cpu|cuda] [--dtype float32|bf16-mixed|bfloat16]
//                          [--peak-tflops P]
// Prints one JSON line: shape, parameters, device, dtype, threads, tokens_per_s (steps after the
// first `--warmup`; on CUDA each step is timed between device synchronisations), losses (every
// step), flops_per_token (docs/run-config.md) and, with --peak-tflops, mfu.
#include "training/torch_core.h"

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "training/kernels/cpu_memory.h"
#include "training/config/freeze_plan.h"
#include "training/io/hf_checkpoint.h"
#include "training/model/llama_model.h"
#include "training/optim/masked_adamw.h"
#include "training/config/param_groups.h"
#include "training/config/stage_config.h"
#include "training/optim/step_optimizer.h"
#include "training/run/train_metrics.h"
#include "training/run/training_step.h"

namespace {

using namespace glossa;

struct Options {
  std::string shape = "stories260K";
  int threads = 1;
  int64_t steps = 20, warmup = 2, batch = 8, seq = 256, seed = 1234;
  double lr = 1e-3;
  std::string out = "/tmp/glossa-bench-train";
  std::string device = "cpu", dtype = "float32";
  double peak_tflops = 0;  // the device's dense peak in this dtype; 0: no MFU
};

// stories260K: llama2.c's 260K model (dim 64, 5 layers, 8 heads, 4 KV heads, vocab 512).
// 10M: 8 layers of width 256 (8 heads), MLP 688, vocabulary 8000, untied (10.4 M parameters).
// tinyllama: TinyLlama-1.1B (22 layers of width 2048, 32 heads, 4 KV heads, MLP 5632, V 32000).
ModelConfig shape_config(const std::string& shape) {
  ModelConfig c;
  c.max_position_embeddings = 1024;
  c.rms_norm_eps = 1e-5;
  if (shape == "stories260K") {
    c.vocab_size = 512, c.hidden_size = 64, c.intermediate_size = 172;
    c.num_hidden_layers = 5, c.num_attention_heads = 8, c.num_key_value_heads = 4;
    c.tie_word_embeddings = true;
  } else if (shape == "10M") {
    c.vocab_size = 8000, c.hidden_size = 256, c.intermediate_size = 688;
    c.num_hidden_layers = 8, c.num_attention_heads = 8, c.num_key_value_heads = 8;
  } else if (shape == "tinyllama") {  // TinyLlama-1.1B's config.json
    c.vocab_size = 32000, c.hidden_size = 2048, c.intermediate_size = 5632;
    c.num_hidden_layers = 22, c.num_attention_heads = 32, c.num_key_value_heads = 4;
    c.max_position_embeddings = 2048;
  } else {
    fail("--shape", "unknown shape '" + shape + "' (stories260K, 10M or tinyllama)");
  }
  return c;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) fail("arguments", "missing value after " + a);
    const std::string v = argv[++i];
    if (a == "--shape") o.shape = v;
    else if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--steps") o.steps = std::stoll(v);
    else if (a == "--warmup") o.warmup = std::stoll(v);
    else if (a == "--batch") o.batch = std::stoll(v);
    else if (a == "--seq") o.seq = std::stoll(v);
    else if (a == "--seed") o.seed = std::stoll(v);
    else if (a == "--lr") o.lr = std::stod(v);
    else if (a == "--out") o.out = v;
    else if (a == "--device") o.device = v;
    else if (a == "--dtype") o.dtype = v;
    else if (a == "--peak-tflops") o.peak_tflops = std::stod(v);
    else fail("arguments", "unknown option " + a);
  }
  if (o.steps <= o.warmup) fail("--steps", "must exceed --warmup");
  if (o.device != "cpu" && o.device != "cuda") fail("--device", "cpu or cuda, not " + o.device);
  if (o.dtype != "float32" && o.dtype != "bfloat16" && o.dtype != "bf16-mixed")
    fail("--dtype", "float32, bf16-mixed or bfloat16, not " + o.dtype);
  if (o.device == "cuda" && !torch::cuda::is_available())
    fail("--device", "cuda asked for, but LibTorch sees no CUDA device");
  return o;
}

// Every step's batch: (steps, B, T + 1) random ids, written as int64 for the peer. Random ids
// are enough for throughput and loss parity (both sides see the same ones).
torch::Tensor make_batches(const Options& o, int64_t vocab) {
  torch::manual_seed(o.seed + 1);
  torch::Tensor ids = torch::randint(0, vocab, {o.steps, o.batch, o.seq + 1}, torch::kInt64);
  std::ofstream out(o.out + "/batches.bin", std::ios::binary);
  out.write(reinterpret_cast<const char*>(ids.data_ptr<int64_t>()), ids.numel() * 8);
  if (!out) fail(o.out + "/batches.bin", "cannot write");
  return ids;
}

NamedParams named(const LlamaForCausalLM& model) {
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.key(), p.value());
  return params;
}

// A (B, T + 1) int64 window as the trainer's Batch: inputs, next-token targets, all counted.
Batch to_batch(const torch::Tensor& window) {
  Batch b;
  b.B = window.size(0);
  b.T = window.size(1) - 1;
  const torch::Tensor ids = window.to(torch::kInt32).contiguous();
  const torch::Tensor inputs = ids.narrow(1, 0, b.T).contiguous();
  const torch::Tensor targets = ids.narrow(1, 1, b.T).contiguous();
  b.inputs.assign(inputs.data_ptr<int32_t>(), inputs.data_ptr<int32_t>() + b.B * b.T);
  b.targets.assign(targets.data_ptr<int32_t>(), targets.data_ptr<int32_t>() + b.B * b.T);
  b.loss_mask.assign(static_cast<size_t>(b.B * b.T), 1);
  return b;
}

// The trainer's own step (training_step.h) for every parameter: fused cross-entropy, masked
// AdamW, clipping.
std::unique_ptr<StepOptimizer> full_step_optimizer(const NamedParams& params,
                                                   const ModelConfig& config, bool fp32_master) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : params) names.push_back(name);
  StageConfig stage;
  stage.name = "bench";
  stage.trainable = {"all"};
  const ParamGroups groups = ParamGroups::build(names, config.vocab_size, config.vocab_size);
  const FreezePlan plan = build_freeze_plan(stage, groups);
  apply_requires_grad(params, plan);
  AdamWSettings settings = AdamWSettings::from_stage(stage);
  settings.fp32_master = fp32_master;  // bf16-mixed: float32 masters and moments
  return make_step_optimizer(params, plan, settings);
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  if (!std::getenv("GLOSSA_BENCH_DEFAULT_MALLOC")) keep_freed_cpu_memory();
  torch::set_num_threads(o.threads);
  std::filesystem::create_directories(o.out);
  const ModelConfig config = shape_config(o.shape);
  torch::manual_seed(o.seed);
  ModelInit init;
  init.device = torch::Device(o.device);
  init.dtype = o.dtype == "float32" ? torch::kFloat32 : torch::kBFloat16;
  LlamaForCausalLM model(config, init);
  const bool cuda = init.device.is_cuda();
  save_hf_model(model, o.out + "/init");
  const torch::Tensor batches = make_batches(o, config.vocab_size);

  const NamedParams params = named(model);
  const std::unique_ptr<StepOptimizer> optimizer = full_step_optimizer(params, config, o.dtype == "bf16-mixed");
  StepOptions options;
  options.lr = o.lr;
  options.clip_grad_norm = 1.0;

  std::vector<double> losses;
  double timed_seconds = 0;
  for (int64_t step = 0; step < o.steps; ++step) {
    const Batch batch = to_batch(batches[step]);  // untimed: the sampler's work in a run
    if (cuda) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    const StepOutcome out = train_step(*model, *optimizer, {batch}, options);
    if (cuda) torch::cuda::synchronize();  // the step's kernels have run, not just been queued
    losses.push_back(out.loss);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (step >= o.warmup) timed_seconds += seconds;
  }
  const double tokens = double(o.steps - o.warmup) * double(o.batch * o.seq);
  const double tokens_per_s = tokens / timed_seconds, flops = flops_per_token(config, o.seq);
  nlohmann::json result = {{"impl", "glossa"},
                           {"shape", o.shape},
                           {"parameters", config.parameter_count()},
                           {"device", o.device},
                           {"dtype", o.dtype},
                           {"threads", o.threads},
                           {"batch", o.batch},
                           {"seq", o.seq},
                           {"tokens_per_s", tokens_per_s},
                           {"flops_per_token", flops},
                           {"losses", losses}};
  if (o.peak_tflops > 0) result["mfu"] = flops * tokens_per_s / (o.peak_tflops * 1e12);
  std::cout << result.dump() << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "glossa-bench-train-cpu: " << e.what() << "\n";
  return 1;
}
