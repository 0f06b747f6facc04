#include "training/config/freeze_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/error.h"

namespace glossa {

namespace {

// group -> lr factor from the stage's multipliers; conflicting factors are an error.
std::map<std::string, double> group_multipliers(const StageConfig& stage,
                                                const ParamGroups& groups) {
  std::map<std::string, double> factors;
  std::map<std::string, std::string> from;  // group -> selector that set its factor
  for (const auto& [selector, factor] : stage.lr_multipliers) {
    for (const std::string& g : groups.resolve(selector)) {
      const auto it = factors.find(g);
      if (it != factors.end() && it->second != factor)
        fail("lr_multipliers", "group '" + g + "' gets " + std::to_string(it->second) + " from '" +
                                   from[g] + "' and " + std::to_string(factor) + " from '" +
                                   selector + "': make the selectors disjoint");
      factors[g] = factor;
      from[g] = selector;
    }
  }
  return factors;
}

// With tied embeddings lm_head.X and embed.X are the same rows: both train or neither.
void check_tied(const std::set<std::string>& picked, const std::map<std::string, double>& factors,
                const ParamGroups& groups) {
  if (!groups.tied()) return;
  for (const char* part : {"old", "new"}) {
    const std::string embed = std::string("embed.") + part, head = std::string("lm_head.") + part;
    const bool e = picked.count(embed) > 0, h = picked.count(head) > 0;
    if (e != h)
      fail("tied embeddings",
           "the stage trains '" + (e ? embed : head) + "' but not '" + (e ? head : embed) +
               "', and this model ties lm_head to embed_tokens (tie_word_embeddings): they are "
               "the same rows, so the frozen one would change too. Select both, or neither, or "
               "untie the head (copy embed_tokens into a separate lm_head.weight) before training");
    const auto fe = factors.find(embed), fh = factors.find(head);
    const double a = fe == factors.end() ? 1.0 : fe->second;
    const double b = fh == factors.end() ? 1.0 : fh->second;
    if (e && a != b)
      fail("tied embeddings", "lr_multipliers differ for '" + embed + "' and '" + head +
                                  "', which are the same rows in this tied model");
  }
}

}  // namespace

std::vector<std::string> FreezePlan::trainable_tensors() const {
  std::vector<std::string> out;
  for (const TrainSlice& s : slices)
    if (std::find(out.begin(), out.end(), s.slice.tensor) == out.end())
      out.push_back(s.slice.tensor);
  return out;
}

bool FreezePlan::trains(const std::string& tensor) const {
  return std::any_of(slices.begin(), slices.end(),
                     [&](const TrainSlice& s) { return s.slice.tensor == tensor; });
}

FreezePlan build_freeze_plan(const StageConfig& stage, const ParamGroups& groups) {
  if (stage.trainable.empty())
    fail("stage '" + stage.name + "'", "nothing trainable (field 'trainable' is empty)");
  std::set<std::string> picked;
  for (const std::string& selector : stage.trainable)
    for (const std::string& g : groups.resolve(selector)) picked.insert(g);
  const std::map<std::string, double> factors = group_multipliers(stage, groups);
  check_tied(picked, factors, groups);

  FreezePlan plan;
  plan.stage = stage.name;
  for (const ParamGroup& g : groups.groups()) {  // model order, not selector order
    if (!picked.count(g.name)) continue;
    plan.groups.push_back(g.name);
    const auto f = factors.find(g.name);
    const bool decay =
        !g.is_norm && stage.weight_decay > 0 && (!g.is_embedding || stage.decay_embeddings);
    for (const TensorSlice& slice : g.slices) {
      const bool seen = std::any_of(plan.slices.begin(), plan.slices.end(),
                                    [&](const TrainSlice& t) { return t.slice == slice; });
      if (seen) continue;  // tied: lm_head.X aliases embed.X, already listed
      plan.slices.push_back({slice, g.name, f == factors.end() ? 1.0 : f->second, decay});
    }
  }
  return plan;
}

}  // namespace glossa
