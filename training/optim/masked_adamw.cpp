#include "training/optim/masked_adamw.h"

#include <cmath>

#include "base/error.h"

namespace glossa {

torch::Tensor slice_norm(const torch::Tensor& grad) {
  return torch::linalg_vector_norm(grad, 2, c10::nullopt, false, torch::kFloat32);
}

std::map<std::string, int64_t> slice_steps(const nlohmann::json& json, const std::string& where) {
  std::map<std::string, int64_t> steps;
  try {
    for (const auto& entry : json.at("slices"))
      steps[entry.at("key").get<std::string>()] = entry.at("step").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed JSON: ") + e.what());
  }
  return steps;
}

AdamWSettings AdamWSettings::from_stage(const StageConfig& stage) {
  return AdamWSettings{stage.betas[0], stage.betas[1], stage.eps, stage.weight_decay};
}

torch::Tensor slice_rows(const torch::Tensor& t, const TensorSlice& slice) {
  if (slice.whole) return t;
  return t.narrow(0, slice.row_begin, slice.row_end - slice.row_begin);
}

torch::Tensor MaskedAdamW::Slot::view(const torch::Tensor& t) const {
  return slice_rows(t, info.slice);
}

MaskedAdamW::MaskedAdamW(const NamedParams& params, FreezePlan plan, AdamWSettings settings)
    : plan_(std::move(plan)), settings_(settings) {
  for (const TrainSlice& s : plan_.slices) {
    const auto it = std::find_if(params.begin(), params.end(),
                                 [&](const auto& p) { return p.first == s.slice.tensor; });
    if (it == params.end())
      fail("optimizer", "stage '" + plan_.stage + "' trains '" + s.slice.tensor +
                            "' but the model has no such parameter");
    const torch::Tensor& p = it->second;
    if (!s.slice.whole && (p.dim() < 1 || s.slice.row_begin < 0 || s.slice.row_end > p.size(0) ||
                           s.slice.row_begin >= s.slice.row_end))
      fail("optimizer", "rows " + s.slice.key() + " are outside the tensor's " +
                            std::to_string(p.dim() ? p.size(0) : 0) + " rows");
    Slot slot{s, p, 0, {}, {}, {}};
    torch::NoGradGuard no_grad;
    if (settings_.fp32_master && p.scalar_type() != torch::kFloat32) {
      masters_ = true;
      slot.master = slot.view(p).to(torch::kFloat32, false, true).contiguous();  // (rows, C) fp32
    }
    slot.exp_avg = torch::zeros_like(slot.master.defined() ? slot.master : slot.view(p),
                                     torch::MemoryFormat::Contiguous);
    slot.exp_avg_sq = torch::zeros_like(slot.exp_avg);
    slots_.push_back(std::move(slot));
  }
}

std::map<std::string, double> MaskedAdamW::group_lrs() const {
  std::map<std::string, double> out;
  for (const Slot& s : slots_) out[s.info.group] = lr_ * s.info.lr_multiplier;
  return out;
}

ClipResult MaskedAdamW::clip_grad_norm(double max_norm) {
  ClipResult result;
  std::vector<torch::Tensor> norms;  // () per slot with a gradient
  std::vector<const Slot*> measured;
  for (const Slot& s : slots_) {
    const torch::Tensor& grad = s.param.grad();
    if (!grad.defined()) continue;
    norms.push_back(slice_norm(s.view(grad).detach()));
    measured.push_back(&s);
  }
  if (norms.empty()) return result;
  const torch::Tensor host = torch::stack(norms).to(torch::kFloat64).cpu();  // the one sync
  const auto n = host.accessor<double, 1>();
  double total_sq = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    total_sq += n[i] * n[i];
    result.group_norms[measured[i]->info.group] += n[i] * n[i];
  }
  for (auto& [group, sq] : result.group_norms) sq = std::sqrt(sq);
  result.total_norm = std::sqrt(total_sq);
  if (max_norm > 0) {
    const double coef = max_norm / (result.total_norm + 1e-6);
    if (coef < 1.0) {
      torch::NoGradGuard no_grad;
      for (const Slot* s : measured) s->view(s->param.grad()).mul_(coef);
      result.scale = coef;
    }
  }
  return result;
}

void MaskedAdamW::step() {
  torch::NoGradGuard no_grad;
  for (Slot& s : slots_) {
    const torch::Tensor& full_grad = s.param.grad();
    if (!full_grad.defined()) continue;
    // Writes reach only these rows (or the slice's float32 master, copied into them below).
    torch::Tensor p = s.master.defined() ? s.master : s.view(s.param);
    torch::Tensor grad = s.view(full_grad).contiguous();  // frozen rows never read
    if (s.master.defined()) grad = grad.to(torch::kFloat32);
    const double lr = lr_ * s.info.lr_multiplier;
    const double decay = s.info.decay ? settings_.weight_decay : 0.0;
    s.step += 1;
    if (p.is_contiguous()) {
      // torch's fused AdamW kernel: the same update term for term (decoupled decay, moments,
      // bias corrections), one pass over memory instead of about ten.
      const torch::Tensor step = torch::full({}, static_cast<double>(s.step),
                                             torch::TensorOptions(torch::kFloat32).device(p.device()));
      at::_fused_adamw_({p}, {grad}, {s.exp_avg}, {s.exp_avg_sq}, {}, {step}, lr,
                        settings_.beta1, settings_.beta2, decay, settings_.eps, false, false);
      if (s.master.defined()) s.view(s.param).copy_(s.master);  // round to bf16 once, here
      continue;
    }
    const double beta1 = settings_.beta1, beta2 = settings_.beta2;
    if (decay > 0) p.mul_(1 - lr * decay);
    const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(s.step));
    s.exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    s.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const torch::Tensor denom =
        (s.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(settings_.eps);
    p.addcdiv_(s.exp_avg, denom, -lr / bias_correction1);
  }
}

void MaskedAdamW::zero_grad() {
  for (Slot& s : slots_) s.param.mutable_grad() = torch::Tensor();
}

std::map<std::string, torch::Tensor> MaskedAdamW::state_tensors() const {
  std::map<std::string, torch::Tensor> out;
  for (const Slot& s : slots_) {
    out[s.info.slice.key() + ".exp_avg"] = s.exp_avg;
    out[s.info.slice.key() + ".exp_avg_sq"] = s.exp_avg_sq;
    if (s.master.defined()) out[s.info.slice.key() + ".master"] = s.master;
  }
  return out;
}

nlohmann::json MaskedAdamW::state_json() const {
  nlohmann::json slices = nlohmann::json::array();
  for (const Slot& s : slots_)
    slices.push_back({{"key", s.info.slice.key()}, {"group", s.info.group}, {"step", s.step}});
  return {{"stage", plan_.stage},     {"lr", lr_},
          {"beta1", settings_.beta1}, {"beta2", settings_.beta2},
          {"eps", settings_.eps},     {"weight_decay", settings_.weight_decay},
          {"masters", masters_},      {"slices", slices}};
}

void MaskedAdamW::load_state(const std::map<std::string, torch::Tensor>& tensors,
                             const nlohmann::json& json) {
  const std::string where = "optimizer state";
  const std::map<std::string, int64_t> steps = slice_steps(json, where);
  try {
    lr_ = json.at("lr").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed JSON: ") + e.what());
  }
  const bool all_masters = json.value("masters", false);
  size_t expected = 2 * slots_.size();
  for (const Slot& s : slots_) expected += tensors.count(s.info.slice.key() + ".master");
  if (steps.size() != slots_.size() || tensors.size() != expected)
    fail(where, "holds " + std::to_string(steps.size()) + " slices, this stage trains " +
                    std::to_string(slots_.size()) + " (a checkpoint of another stage?)");
  torch::NoGradGuard no_grad;
  for (Slot& s : slots_) {
    const std::string key = s.info.slice.key();
    const auto step = steps.find(key);
    if (step == steps.end()) fail(where, "no state for trainable slice '" + key + "'");
    for (auto [suffix, target] :
         {std::pair{".exp_avg", &s.exp_avg}, {".exp_avg_sq", &s.exp_avg_sq}}) {
      const auto t = tensors.find(key + suffix);
      if (t == tensors.end()) fail(where, "missing tensor '" + key + suffix + "'");
      if (t->second.sizes() != target->sizes())
        fail(where, "tensor '" + key + suffix + "' has shape " + c10::str(t->second.sizes()) +
                        ", expected " + c10::str(target->sizes()));
      target->copy_(t->second);
    }
    load_master(s, tensors, all_masters, where);
    s.step = step->second;
  }
}

// A slice's master from the state, or (a carried-over or pure-dtype state) from its bf16 rows.
void MaskedAdamW::load_master(Slot& s, const std::map<std::string, torch::Tensor>& tensors,
                              bool required, const std::string& where) {
  const std::string key = s.info.slice.key() + ".master";
  const auto t = tensors.find(key);
  if (!s.master.defined()) {
    if (t != tensors.end())
      fail(where, "holds '" + key + "' but this run keeps no float32 masters (dtype float32 or "
                      "bfloat16): resume with the run's dtype, bf16-mixed");
    return;
  }
  if (t == tensors.end()) {
    if (required) fail(where, "missing tensor '" + key + "'");
    s.master.copy_(s.view(s.param));
    return;
  }
  if (t->second.sizes() != s.master.sizes())
    fail(where, "tensor '" + key + "' has shape " + c10::str(t->second.sizes()) + ", expected " +
                    c10::str(s.master.sizes()));
  s.master.copy_(t->second);
  s.view(s.param).copy_(s.master);  // the bf16 rows as the master rounds them
}

int64_t MaskedAdamW::state_numel() const {
  int64_t n = 0;
  for (const Slot& s : slots_)
    n += s.exp_avg.numel() + s.exp_avg_sq.numel() + (s.master.defined() ? s.master.numel() : 0);
  return n;
}

void apply_requires_grad(const NamedParams& params, const FreezePlan& plan) {
  for (const auto& [name, tensor] : params) tensor.requires_grad_(plan.trains(name));
}

}  // namespace glossa
