// Test driver for the data-parallel proofs (tests/training/test_{process_group,grad_sync,zero1}):
// one process of a run, rank and world from torchrun's variables (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), like glossa-train. Not a test itself: the tests start it as 1 or 2
// processes and compare what rank 0 writes.
//
//   dp_worker train [--zero1] [--checkpointing] [--mixed] [--stage all|eeve5] [--steps N]
//                   [--micro M] [--bucket-mb X] [--out FILE]
//       Trains a tiny Llama on a fixed global batch of 4 sequences; each rank takes 4/W of them
//       in M micro-batches. World size 1 uses no distributed code at all (the reference). Rank 0
//       writes every parameter (model order, float32, raw) to FILE and prints stats lines; under
//       --zero1 it also streams the optimizer state to FILE.optimizer.safetensors and compares.
//       --mixed: bf16 parameters with float32 masters and moments in the optimizer (bf16-mixed).
//   dp_worker collectives   all_reduce / all_gather / reduce_scatter / broadcast checks
//   dp_worker consistency   rank 1 claims another step: every rank must fail with the list
//   dp_worker hang          rank 1 joins the all_reduce too late: rank 0 must time out
//   dp_worker control       a pause / stop / checkpoint request on one rank reaches all
// Exit code 0 = success, 2 = a glossa::Error (message on stderr), 1 = a failed check.
#include "training/torch_core.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/error.h"
#include "training/distributed/control_agreement.h"
#include "training/distributed/consistency_check.h"
#include "training/config/freeze_plan.h"
#include "training/distributed/grad_sync.h"
#include "training/model/llama_model.h"
#include "training/optim/masked_adamw.h"
#include "training/config/param_groups.h"
#include "training/distributed/process_group.h"
#include "training/config/run_environment.h"
#include "training/io/safetensors.h"
#include "training/io/safetensors_writer.h"
#include "training/distributed/zero1.h"

namespace glossa {
namespace {

constexpr int64_t kGlobalBatch = 4;  // sequences per optimizer step, all ranks together
constexpr int64_t kSeqLen = 16;      // tokens per sequence (targets: the next 16)
constexpr int64_t kBaseVocab = 80;   // rows before the pretend vocabulary expansion
constexpr int64_t kVocab = 96;       // rows after: 16 "new" rows for the eeve5 stage

struct Args {
  std::string mode;
  bool zero1 = false, checkpointing = false, mixed = false;
  std::string stage = "all";
  int steps = 10, micro = 1;
  double bucket_mb = 0.004;  // ~1000 floats: several buckets even for the tiny model
  double timeout_s = 60;
  std::string out;
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) fail("dp_worker", "usage: dp_worker train|collectives|consistency|hang [...]");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail("dp_worker", k + " needs a value");
      return argv[++i];
    };
    if (k == "--zero1")
      a.zero1 = true;
    else if (k == "--checkpointing")
      a.checkpointing = true;
    else if (k == "--mixed")
      a.mixed = true;
    else if (k == "--stage")
      a.stage = value();
    else if (k == "--steps")
      a.steps = std::stoi(value());
    else if (k == "--micro")
      a.micro = std::stoi(value());
    else if (k == "--bucket-mb")
      a.bucket_mb = std::stod(value());
    else if (k == "--timeout")
      a.timeout_s = std::stod(value());
    else if (k == "--out")
      a.out = value();
    else
      fail("dp_worker", "unknown option " + k);
  }
  return a;
}

ModelConfig tiny_config() {
  ModelConfig c;
  c.vocab_size = kVocab;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.max_position_embeddings = 64;
  return c;
}

StageConfig stage_config(const std::string& name) {
  StageConfig s;
  s.name = name;
  if (name == "all")
    s.trainable = {"all"};
  else if (name == "eeve5")
    s.trainable = {"embed.new", "lm_head"};  // new input + all output
  else
    fail("dp_worker", "unknown stage " + name);
  s.weight_decay = 0.1;
  s.decay_embeddings = true;  // exercise decoupled decay on row slices too
  return s;
}

// The step's global batch, identical on every rank: (kGlobalBatch, kSeqLen + 1) token ids.
torch::Tensor global_batch(int step) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1000 + step);
  return torch::randint(0, kVocab, {kGlobalBatch, kSeqLen + 1}, gen, torch::kInt64);
}

void write_params(const std::string& path, const NamedParams& params) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& [name, p] : params) {
    const torch::Tensor t = p.detach().to(torch::kFloat32).contiguous();
    out.write(reinterpret_cast<const char*>(t.data_ptr<float>()), t.numel() * sizeof(float));
  }
  if (!out) fail("dp_worker", "cannot write " + path);
}

// ZeRO-1's state streamed into a file (what checkpoints do) equals the state assembled in
// memory, while holding one bucket's state at a time. Rank 0 prints the comparison.
void check_streamed_state(Zero1Optimizer& zero, const RunEnvironment& env, const std::string& out) {
  const OptimizerState whole = zero.full_state(env.is_main());
  std::unique_ptr<SafetensorsWriter> writer;
  const std::string file = out + ".optimizer.safetensors";
  if (env.is_main() && !out.empty())
    writer = std::make_unique<SafetensorsWriter>(file, zero.state_specs());
  Zero1Optimizer::StateSink sink;
  if (writer) sink = [&](const std::string& name, const torch::Tensor& t) { writer->write(name, t); };
  const nlohmann::json json = zero.gather_state(sink);
  if (!writer) return;
  writer->finish();
  const NamedTensors streamed = load_safetensors(file);
  bool equal = streamed.size() == whole.tensors.size() && json == whole.json;
  int64_t bytes = 0;
  for (const auto& [name, t] : streamed) {
    const auto it = whole.tensors.find(name);
    equal = equal && it != whole.tensors.end() && torch::equal(t, it->second);
    bytes += t.nbytes();
  }
  std::printf("streamed_state_equal %d gather_peak_bytes %lld full_state_bytes %lld\n",
              equal ? 1 : 0, static_cast<long long>(zero.gather_peak_bytes()),
              static_cast<long long>(bytes));
}

int train(const Args& a, const RunEnvironment& env) {
  torch::manual_seed(1234);
  LlamaForCausalLM model(tiny_config());
  if (a.mixed) model->to(torch::kBFloat16);  // the same random weights, rounded
  model->set_activation_checkpointing(a.checkpointing);
  NamedParams params;
  std::vector<std::string> names;
  for (const auto& item : model->named_parameters()) {
    params.emplace_back(item.key(), item.value());
    names.push_back(item.key());
  }
  const StageConfig stage = stage_config(a.stage);
  const FreezePlan plan = build_freeze_plan(stage, ParamGroups::build(names, kVocab, kBaseVocab));
  apply_requires_grad(params, plan);
  AdamWSettings settings = AdamWSettings::from_stage(stage);
  settings.fp32_master = a.mixed;

  std::shared_ptr<ProcessGroup> group;
  std::unique_ptr<GradSync> sync;
  std::unique_ptr<MaskedAdamW> adamw;
  std::unique_ptr<Zero1Optimizer> zero;
  if (env.distributed()) {
    group = ProcessGroup::create(env, {"gloo", a.timeout_s});
    std::vector<torch::Tensor> tensors;
    for (const auto& [name, p] : params) tensors.push_back(p);
    broadcast_tensors(*group, tensors);
    sync = std::make_unique<GradSync>(group, params, plan, GradSyncOptions{a.bucket_mb, a.zero1});
  }
  if (a.zero1 && sync)
    zero = std::make_unique<Zero1Optimizer>(*sync, settings);
  else
    adamw = std::make_unique<MaskedAdamW>(params, plan, settings);
  if (zero)
    zero->set_lr(1e-2);
  else
    adamw->set_lr(1e-2);

  const int64_t local = kGlobalBatch / env.world_size;
  if (local * env.world_size != kGlobalBatch || local % a.micro != 0)
    fail("dp_worker", "the global batch of 4 must split evenly into ranks and micro-batches");
  const int64_t per_micro = local / a.micro;
  for (int step = 0; step < a.steps; ++step) {
    if (group) check_consistency(*group, {stage.name, 0, step, 42});
    const torch::Tensor batch = global_batch(step).narrow(0, env.rank * local, local);
    for (int m = 0; m < a.micro; ++m) {
      if (sync) sync->prepare(m == a.micro - 1);
      const torch::Tensor ids = batch.narrow(0, m * per_micro, per_micro);
      const torch::Tensor logits = model->forward(ids.narrow(1, 0, kSeqLen));  // (b, T, V)
      // Mean over this micro-batch's tokens / micro-batches = mean over the rank's batch; the
      // gradient average over ranks then gives the mean over the global batch (equal sizes).
      const torch::Tensor loss =
          torch::nn::functional::cross_entropy(logits.reshape({-1, kVocab}).to(torch::kFloat32),
                                               ids.narrow(1, 1, kSeqLen).reshape({-1})) /
          a.micro;
      loss.backward();
    }
    if (sync) sync->finish();
    const ClipResult clip = zero ? zero->clip_grad_norm(0.5) : adamw->clip_grad_norm(0.5);
    if (zero)
      zero->step();
    else
      adamw->step();
    if (zero)
      zero->zero_grad();
    else
      adamw->zero_grad();
    if (env.is_main()) std::printf("step %d grad_norm %.8f\n", step, clip.total_norm);
  }
  if (sync)
    std::printf("rank %d buckets %lld launched_in_backward %lld launched_in_finish %lld\n",
                env.rank, static_cast<long long>(sync->stats().buckets),
                static_cast<long long>(sync->stats().launched_in_backward),
                static_cast<long long>(sync->stats().launched_in_finish));
  const MaskedAdamW full(params, plan, settings);  // a fresh one, only to count full state
  std::printf("rank %d state_numel %lld full_state_numel %lld\n", env.rank,
              static_cast<long long>(zero ? zero->state_numel() : adamw->state_numel()),
              static_cast<long long>(full.state_numel()));
  if (zero) check_streamed_state(*zero, env, a.out);
  if (env.is_main() && !a.out.empty()) write_params(a.out, params);  // rank 0 only writes
  return 0;
}

#define EXPECT_OK(cond)                                                       \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #cond); \
      return 1;                                                               \
    }                                                                         \
  } while (0)

int collectives(const Args& a, const RunEnvironment& env) {
  auto group = ProcessGroup::create(env, {"gloo", a.timeout_s});
  const int w = group->world_size(), r = group->rank();
  torch::Tensor x = torch::full({3}, static_cast<float>(r + 1));
  group->all_reduce_sum(x);
  EXPECT_OK(x.equal(torch::full({3}, static_cast<float>(w * (w + 1) / 2))));
  torch::Tensor m = torch::tensor({static_cast<int64_t>(r * 10)});
  group->all_reduce_max(m);
  EXPECT_OK(m.item<int64_t>() == (w - 1) * 10);
  const torch::Tensor gathered = group->all_gather(torch::full({2}, static_cast<double>(r)));
  EXPECT_OK(gathered.sizes() == torch::IntArrayRef({w, 2}));
  for (int i = 0; i < w; ++i) EXPECT_OK(gathered[i][1].item<double>() == i);
  // reduce_scatter: rank i's input is [i*100 + 0, 1, ..., 2w-1]; chunk j (2 values) summed.
  torch::Tensor in = torch::arange(2 * w, torch::kFloat32) + 100.0f * r;
  torch::Tensor out = torch::empty({2});
  group->wait(group->reduce_scatter_sum_async(out, in), "reduce_scatter");
  const float base = 100.0f * w * (w - 1) / 2;
  EXPECT_OK(out[0].item<float>() == base + w * (2 * r) &&
            out[1].item<float>() == base + w * (2 * r + 1));
  torch::Tensor b = torch::full({4}, r == 1 ? 7.0f : -1.0f);
  group->broadcast(b, 1 % w);
  EXPECT_OK(b.equal(torch::full({4}, w > 1 ? 7.0f : -1.0f)));
  group->barrier();
  std::printf("rank %d collectives ok (%s)\n", r, group->backend_name().c_str());
  return 0;
}

int consistency(const Args& a, const RunEnvironment& env) {
  auto group = ProcessGroup::create(env, {"gloo", a.timeout_s});
  check_consistency(*group, {"stage one", 0, 8, 42});                      // agree: passes
  check_consistency(*group, {"stage one", 0, env.rank == 1 ? 7 : 8, 42});  // must throw
  std::fprintf(stderr, "rank %d: mismatch not detected\n", env.rank);
  return 1;
}

// Control agreement (control_agreement.h): a request on ONE rank reaches every rank.
int control(const Args& a, const RunEnvironment& env) {
  auto group = ProcessGroup::create(env, {"gloo", a.timeout_s});
  const int r = group->rank();
  const ControlFlags none = agree_on_control(group.get(), {});
  EXPECT_OK(!none.stop && !none.pause && !none.checkpoint);
  const ControlFlags pause = agree_on_control(group.get(), {false, r == 0, false});
  EXPECT_OK(pause.pause && !pause.stop && !pause.checkpoint);
  const ControlFlags stop = agree_on_control(group.get(), {r == 1, false, r == 1});
  EXPECT_OK(stop.stop && stop.checkpoint && !stop.pause);
  std::printf("rank %d control ok\n", r);
  return 0;
}

int hang(const Args& a, const RunEnvironment& env) {
  auto group = ProcessGroup::create(env, {"gloo", a.timeout_s});
  if (env.rank == 1) {  // does not join the collective before rank 0's timeout has passed
    std::this_thread::sleep_for(std::chrono::duration<double>(3 * a.timeout_s));
    return 0;
  }
  torch::Tensor x = torch::ones({4});
  group->all_reduce_sum(x);  // must throw after timeout_s
  std::fprintf(stderr, "rank 0: all_reduce returned without rank 1\n");
  return 1;
}

}  // namespace
}  // namespace glossa

int main(int argc, char** argv) {
  try {
    const glossa::Args a = glossa::parse(argc, argv);
    const glossa::RunEnvironment env = glossa::run_environment_from_process();
    if (a.mode == "train") return glossa::train(a, env);
    if (a.mode == "collectives") return glossa::collectives(a, env);
    if (a.mode == "consistency") return glossa::consistency(a, env);
    if (a.mode == "hang") return glossa::hang(a, env);
    if (a.mode == "control") return glossa::control(a, env);
    glossa::fail("dp_worker", "unknown mode " + a.mode);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
