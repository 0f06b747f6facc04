#include "training/config/param_groups.h"

#include <utility>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "base/error.h"

namespace glossa {

namespace {

constexpr const char* kEmbed = "model.embed_tokens.weight";
constexpr const char* kHead = "lm_head.weight";
constexpr const char* kFinalNorm = "model.norm.weight";
const char* const kLayerParts[] = {"attn", "mlp", "norms"};

TensorSlice rows(const std::string& tensor, int64_t begin, int64_t end) {
  return TensorSlice{tensor, false, begin, end};
}

// "model.layers.{i}.<rest>" -> (i, part) where part is attn, mlp or norms.
std::optional<std::pair<int64_t, std::string>> layer_part(const std::string& name) {
  static const std::regex kLayer(R"(model\.layers\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(name, m, kLayer)) return std::nullopt;
  const int64_t index = std::stoll(m[1].str());
  const std::string rest = m[2].str();
  if (rest.starts_with("self_attn.")) return std::make_pair(index, std::string("attn"));
  if (rest.starts_with("mlp.")) return std::make_pair(index, std::string("mlp"));
  if (rest.starts_with("input_layernorm.") || rest.starts_with("post_attention_layernorm."))
    return std::make_pair(index, std::string("norms"));
  return std::nullopt;
}

std::string layer_group(int64_t layer, const std::string& part) {
  return "layers." + std::to_string(layer) + "." + part;
}

}  // namespace

std::string TensorSlice::key() const {
  if (whole) return tensor;
  return tensor + "[" + std::to_string(row_begin) + ":" + std::to_string(row_end) + "]";
}

ParamGroups ParamGroups::build(const std::vector<std::string>& names, int64_t vocab_rows,
                               int64_t base_vocab) {
  const std::string where = "parameter groups";
  if (base_vocab <= 0 || base_vocab > vocab_rows)
    fail(where, "base vocabulary " + std::to_string(base_vocab) + " must be in 1.." +
                    std::to_string(vocab_rows) + " (the rows of " + kEmbed + ")");
  const auto has = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  if (!has(kEmbed)) fail(where, std::string("the model has no '") + kEmbed + "'");

  ParamGroups g;
  g.tied_ = !has(kHead);
  g.base_vocab_ = base_vocab;
  g.vocab_rows_ = vocab_rows;
  const std::string head = g.tied_ ? kEmbed : kHead;  // tied: the head IS the input embedding
  const bool grown = vocab_rows > base_vocab;
  const auto embedding_group = [&](const std::string& name, const std::string& tensor, bool old) {
    ParamGroup pg{name, {}, true, false};
    if (old) pg.slices.push_back(rows(tensor, 0, base_vocab));
    if (!old && grown) pg.slices.push_back(rows(tensor, base_vocab, vocab_rows));
    return pg;
  };
  g.groups_.push_back(embedding_group("embed.old", kEmbed, true));
  g.groups_.push_back(embedding_group("embed.new", kEmbed, false));
  g.groups_.push_back(embedding_group("lm_head.old", head, true));
  g.groups_.push_back(embedding_group("lm_head.new", head, false));

  // Layer tensors, in the order the names come, collected per (layer, part).
  std::map<int64_t, std::map<std::string, std::vector<TensorSlice>>> layers;
  bool final_norm = false;
  for (const std::string& name : names) {
    if (name == kEmbed || name == kHead) continue;
    if (name == kFinalNorm) {
      final_norm = true;
      continue;
    }
    const auto lp = layer_part(name);
    if (!lp)
      fail(where, "parameter '" + name +
                      "' belongs to no group (expected transformers' Llama names: "
                      "model.layers.{i}.self_attn.*, .mlp.*, .input_layernorm.*, "
                      ".post_attention_layernorm.*, model.norm.weight, embeddings)");
    layers[lp->first][lp->second].push_back(TensorSlice{name, true, 0, 0});
  }
  g.layers_ = layers.empty() ? 0 : layers.rbegin()->first + 1;
  for (int64_t i = 0; i < g.layers_; ++i) {
    if (!layers.count(i))
      fail(where, "layer " + std::to_string(i) + " has no parameters but layer " +
                      std::to_string(g.layers_ - 1) + " does");
    for (const char* part : kLayerParts)
      g.groups_.push_back(
          ParamGroup{layer_group(i, part), layers[i][part], false, std::string(part) == "norms"});
  }
  ParamGroup norm{"final_norm", {}, false, true};
  if (final_norm) norm.slices.push_back(TensorSlice{kFinalNorm, true, 0, 0});
  g.groups_.push_back(norm);
  return g;
}

const ParamGroup& ParamGroups::group(const std::string& name) const {
  for (const ParamGroup& g : groups_)
    if (g.name == name) return g;
  fail("parameter groups", "no group named '" + name + "'");
}

std::vector<std::string> ParamGroups::resolve(const std::string& selector) const {
  const std::string where = "selector '" + selector + "'";
  std::vector<std::string> picked;
  const auto pick = [&](const std::string& name) {
    if (!group(name).slices.empty()) picked.push_back(name);
  };
  static const std::regex kLayers(R"(layers\.(\d+|\d+-\d+|odd|even|all)(?:\.(attn|mlp|norms))?)");
  std::smatch m;
  if (selector == "all") {
    for (const ParamGroup& g : groups_) pick(g.name);
  } else if (selector == "embed" || selector == "lm_head") {
    pick(selector + ".old");
    pick(selector + ".new");
  } else if (std::regex_match(selector, m, kLayers)) {
    const std::string spec = m[1].str();
    int64_t first = 0, last = layers_ - 1, stride = 1;
    if (spec == "odd" || spec == "even") {
      first = spec == "odd" ? 1 : 0;
      stride = 2;
    } else if (spec != "all") {
      const size_t dash = spec.find('-');
      first = std::stoll(spec.substr(0, dash));
      last = dash == std::string::npos ? first : std::stoll(spec.substr(dash + 1));
      if (first > last) fail(where, "range runs backwards (write layers.a-b with a <= b)");
      if (last >= layers_)
        fail(where, "matches no group in this model: it has layers 0-" +
                        std::to_string(layers_ - 1) + " (" + std::to_string(layers_) + " layers)");
    }
    for (int64_t i = first; i <= last; i += stride)
      for (const char* part : kLayerParts)
        if (!m[2].matched || m[2].str() == part) pick(layer_group(i, part));
  } else {
    const auto it = std::find_if(groups_.begin(), groups_.end(),
                                 [&](const ParamGroup& g) { return g.name == selector; });
    if (it == groups_.end())
      fail(where,
           "is not a group or selector (groups: embed.old, embed.new, lm_head.old, "
           "lm_head.new, layers.{i}.attn|mlp|norms, final_norm; selectors: embed, "
           "lm_head, all, layers.{i}, layers.{a-b}, layers.odd, layers.even, layers.all)");
    pick(selector);
  }
  if (picked.empty()) {
    if (selector.ends_with(".new"))
      fail(where, "matches no rows: the model has no rows beyond the base vocabulary (" +
                      std::to_string(base_vocab_) + " of " + std::to_string(vocab_rows_) +
                      "); resize the vocabulary first or drop the selector");
    fail(where,
         "matches no group with parameters in this model (" + std::to_string(layers_) + " layers)");
  }
  return picked;
}

std::vector<LlamaTensor> llama_tensors(const ModelConfig& m) {
  const int64_t c = m.hidden_size, d = m.head_size(), i = m.intermediate_size;
  const int64_t q = m.num_attention_heads * d, kv = m.num_key_value_heads * d;
  std::vector<LlamaTensor> t;
  t.push_back({"model.embed_tokens.weight", m.vocab_size * c, m.vocab_size});
  for (int64_t l = 0; l < m.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const std::pair<const char*, std::pair<int64_t, int64_t>> linears[] = {
        {"self_attn.q_proj", {q, c}}, {"self_attn.k_proj", {kv, c}}, {"self_attn.v_proj", {kv, c}},
        {"self_attn.o_proj", {c, q}}, {"mlp.gate_proj", {i, c}},     {"mlp.up_proj", {i, c}},
        {"mlp.down_proj", {c, i}}};
    for (const auto& [name, shape] : linears) {
      t.push_back({p + name + ".weight", shape.first * shape.second, shape.first});
      const bool attention = std::string(name).rfind("self_attn", 0) == 0;
      if (attention ? m.attention_bias : m.mlp_bias)
        t.push_back({p + name + ".bias", shape.first, shape.first});
    }
    t.push_back({p + "input_layernorm.weight", c, c});
    t.push_back({p + "post_attention_layernorm.weight", c, c});
  }
  t.push_back({"model.norm.weight", c, c});
  if (!m.tie_word_embeddings) t.push_back({"lm_head.weight", m.vocab_size * c, m.vocab_size});
  return t;
}

std::vector<std::string> llama_parameter_names(const ModelConfig& model) {
  std::vector<std::string> names;
  for (const LlamaTensor& t : llama_tensors(model)) names.push_back(t.name);
  return names;
}

}  // namespace glossa
