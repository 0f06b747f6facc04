#include "training/config/model_config.h"

#include "base/error.h"
#include "base/file_util.h"
#include "base/strict_json.h"

namespace glossa {

namespace {
// A config.json field: HF configs hold many keys Glossa does not use (they are ignored) and
// write null for "not set"; a value of the wrong type is still an error (no 128.9 read as 128).
template <typename T>
void read(StrictJson& r, const char* key, T* out, bool required) {
  const nlohmann::json* v = r.raw(key);
  if (!v || v->is_null()) {
    if (required) r.fail_key(key, "is required");
    return;
  }
  *out = r.convert<T>(key, *v);
}

int64_t first_id(const nlohmann::json& j, const char* key, int64_t fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  const nlohmann::json& id = it->is_array() ? (it->empty() ? nlohmann::json(fallback) : (*it)[0])
                                            : *it;  // Llama 3 lists several
  if (!id.is_number_integer()) fail(std::string("config.json: ") + key, "must be an integer id");
  return id.get<int64_t>();
}
}  // namespace

int64_t ModelConfig::non_embedding_parameter_count() const {
  const int64_t h = hidden_size, q = head_size();
  const int64_t attention = h * num_attention_heads * q * 2 + h * num_key_value_heads * q * 2;
  const int64_t attention_b =
      attention_bias ? (num_attention_heads + 2 * num_key_value_heads) * q + h : 0;
  const int64_t mlp = 3 * h * intermediate_size + (mlp_bias ? 2 * intermediate_size + h : 0);
  return num_hidden_layers * (attention + attention_b + mlp + 2 * h) + h;
}

int64_t ModelConfig::parameter_count() const {
  const int64_t embedding = vocab_size * hidden_size;
  return non_embedding_parameter_count() + embedding * (tie_word_embeddings ? 1 : 2);
}

void ModelConfig::validate(const std::string& where) const {
  auto positive = [&](int64_t v, const char* name) {
    if (v <= 0)
      fail(where, std::string(name) + " must be positive (got " + std::to_string(v) + ")");
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(max_position_embeddings, "max_position_embeddings");
  if (num_attention_heads % num_key_value_heads != 0)
    fail(where, "num_attention_heads (" + std::to_string(num_attention_heads) +
                    ") must be a multiple of num_key_value_heads (" +
                    std::to_string(num_key_value_heads) + ")");
  if (head_dim == 0 && hidden_size % num_attention_heads != 0)
    fail(where, "hidden_size must be a multiple of num_attention_heads when head_dim is not given");
  if (head_size() % 2 != 0) fail(where, "the head size must be even for rotary embeddings");
  if (!rope_scaling.type.empty() && rope_scaling.type != "linear")
    fail(where, "rope_scaling type \"" + rope_scaling.type +
                    "\" is not supported (supported: linear, or none)");
  if (rope_scaling.factor <= 0) fail(where, "rope_scaling factor must be positive");
  if (rms_norm_eps <= 0) fail(where, "rms_norm_eps must be positive");
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& where) {
  StrictJson r(j, where, "docs/training-model.md");
  ModelConfig c;
  std::vector<std::string> architectures;
  read(r, "architectures", &architectures, false);
  if (!architectures.empty()) c.architecture = architectures[0];
  if (c.architecture != "LlamaForCausalLM" && c.architecture != "MistralForCausalLM")
    fail(where, "architecture \"" + c.architecture +
                    "\" is not supported (LlamaForCausalLM, MistralForCausalLM)");
  read(r, "vocab_size", &c.vocab_size, true);
  read(r, "hidden_size", &c.hidden_size, true);
  read(r, "intermediate_size", &c.intermediate_size, true);
  read(r, "num_hidden_layers", &c.num_hidden_layers, true);
  read(r, "num_attention_heads", &c.num_attention_heads, true);
  c.num_key_value_heads = c.num_attention_heads;
  read(r, "num_key_value_heads", &c.num_key_value_heads, false);
  read(r, "head_dim", &c.head_dim, false);
  if (c.head_dim == c.hidden_size / c.num_attention_heads) c.head_dim = 0;
  read(r, "max_position_embeddings", &c.max_position_embeddings, false);
  read(r, "rms_norm_eps", &c.rms_norm_eps, false);
  read(r, "rope_theta", &c.rope_theta, false);
  if (const nlohmann::json* s = r.raw("rope_scaling"); s && s->is_object()) {
    StrictJson scaling(*s, r.at("rope_scaling"), "docs/training-model.md");
    std::string type;
    read(scaling, "type", &type, false);
    read(scaling, "rope_type", &type, false);  // the newer name wins
    c.rope_scaling.type = type;
    read(scaling, "factor", &c.rope_scaling.factor, false);
    if (c.rope_scaling.type == "default") c.rope_scaling = RopeScaling{};
  }
  read(r, "tie_word_embeddings", &c.tie_word_embeddings, false);
  read(r, "attention_bias", &c.attention_bias, false);
  read(r, "mlp_bias", &c.mlp_bias, false);
  read(r, "sliding_window", &c.sliding_window, false);
  c.bos_token_id = first_id(j, "bos_token_id", c.bos_token_id);
  c.eos_token_id = first_id(j, "eos_token_id", c.eos_token_id);
  c.pad_token_id = first_id(j, "pad_token_id", -1);
  read(r, "torch_dtype", &c.torch_dtype, false);
  c.validate(where);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  return from_json(read_json_file(path), path);
}

nlohmann::json ModelConfig::to_json() const {
  const bool mistral = architecture == "MistralForCausalLM";
  nlohmann::json j = {{"architectures", {architecture}},
                      {"model_type", mistral ? "mistral" : "llama"},
                      {"vocab_size", vocab_size},
                      {"hidden_size", hidden_size},
                      {"intermediate_size", intermediate_size},
                      {"num_hidden_layers", num_hidden_layers},
                      {"num_attention_heads", num_attention_heads},
                      {"num_key_value_heads", num_key_value_heads},
                      {"head_dim", head_size()},
                      {"max_position_embeddings", max_position_embeddings},
                      {"rms_norm_eps", rms_norm_eps},
                      {"rope_theta", rope_theta},
                      {"rope_scaling", nullptr},
                      {"tie_word_embeddings", tie_word_embeddings},
                      {"hidden_act", "silu"},
                      {"initializer_range", 0.02},
                      {"attention_dropout", 0.0},
                      {"bos_token_id", bos_token_id},
                      {"eos_token_id", eos_token_id},
                      {"torch_dtype", torch_dtype},
                      {"use_cache", true}};
  if (!mistral) {
    j["attention_bias"] = attention_bias;
    j["mlp_bias"] = mlp_bias;
    j["pretraining_tp"] = 1;
  }
  if (mistral)
    j["sliding_window"] = sliding_window > 0 ? nlohmann::json(sliding_window) : nlohmann::json();
  if (!rope_scaling.type.empty())
    j["rope_scaling"] = {{"rope_type", rope_scaling.type}, {"factor", rope_scaling.factor}};
  if (pad_token_id >= 0) j["pad_token_id"] = pad_token_id;
  return j;
}

}  // namespace glossa
