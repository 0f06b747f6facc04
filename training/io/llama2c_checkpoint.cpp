#include "training/io/llama2c_checkpoint.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "training/io/finite_check.h"

namespace glossa {

namespace {

constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);
constexpr uint32_t kVersionedMagic = 0x616b3432;  // "ak42": llama2.c export.py version >= 1
// Dimensions above this cannot be a real checkpoint; keeps the size arithmetic far from overflow.
constexpr int64_t kMaxDim = int64_t(1) << 24;

std::array<int32_t, 7> read_raw_header(const std::string& path, uint64_t* file_bytes) {
  std::error_code ec;
  *file_bytes = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read the llama2.c checkpoint: " + ec.message());
  if (*file_bytes < kHeaderBytes)
    fail(path, "file of " + std::to_string(*file_bytes) +
                   " bytes is too short for a llama2.c header (28 bytes: dim, hidden_dim, "
                   "n_layers, n_heads, n_kv_heads, vocab_size, seq_len)");
  std::array<int32_t, 7> raw{};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(raw.data()), kHeaderBytes))
    fail(path, "cannot read the 28-byte llama2.c header");
  return raw;
}

void check_header(const Llama2cHeader& h, const std::string& path) {
  const std::pair<const char*, int64_t> dims[] = {
      {"dim", h.dim},         {"hidden_dim", h.hidden_dim}, {"n_layers", h.n_layers},
      {"n_heads", h.n_heads}, {"n_kv_heads", h.n_kv_heads}, {"vocab_size", h.vocab_size},
      {"seq_len", h.seq_len}};
  for (const auto& [name, value] : dims)
    if (value <= 0 || value > kMaxDim)
      fail(path, std::string("llama2.c header field ") + name + " = " + std::to_string(value) +
                     " (expected 1.." + std::to_string(kMaxDim) +
                     "); is this a legacy llama2.c checkpoint (export.py --version 0)?");
  if (h.dim % h.n_heads != 0)
    fail(path, "dim " + std::to_string(h.dim) + " is not a multiple of n_heads " +
                   std::to_string(h.n_heads));
  if (h.n_kv_heads > h.n_heads || h.n_heads % h.n_kv_heads != 0)
    fail(path, "inconsistent kv heads: n_heads " + std::to_string(h.n_heads) +
                   " is not a multiple of n_kv_heads " + std::to_string(h.n_kv_heads));
  if (h.head_size() % 2 != 0)
    fail(path, "head size " + std::to_string(h.head_size()) +
                   " is odd; rotary embeddings need pairs of dimensions");
}

// Reads consecutive float32 arrays of the file, each into a fresh CPU tensor.
class FloatStream {
 public:
  explicit FloatStream(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) fail(path, "cannot open the llama2.c checkpoint");
    in_.seekg(kHeaderBytes);
  }
  torch::Tensor next(at::IntArrayRef shape, const char* what) {
    torch::Tensor t = torch::empty(shape, torch::kFloat32);
    const auto bytes = static_cast<std::streamsize>(t.numel() * sizeof(float));
    if (!in_.read(static_cast<char*>(t.data_ptr()), bytes))
      fail(path_, std::string("file ends inside ") + what + " (truncated)");
    return t;
  }
  void skip(int64_t floats) { in_.seekg(floats * int64_t(sizeof(float)), std::ios::cur); }

 private:
  std::string path_;
  std::ifstream in_;
};

}  // namespace

uint64_t Llama2cHeader::expected_bytes() const {
  const uint64_t c = dim, l = n_layers, kv = kv_dim(), i = hidden_dim, v = vocab_size;
  uint64_t floats = v * c;                              // token embedding (V, C)
  floats += l * c * 2;                                  // rms_att, rms_ffn (L, C)
  floats += l * (c * c * 2 + kv * c * 2);               // wq, wo (L, C, C); wk, wv (L, KV*D, C)
  floats += l * i * c * 3;                              // w1, w3 (L, I, C); w2 (L, C, I)
  floats += c;                                          // rms_final (C)
  floats += uint64_t(seq_len) * (head_size() / 2) * 2;  // legacy RoPE tables, skipped
  if (!shared_classifier) floats += v * c;              // classifier (V, C)
  return kHeaderBytes + floats * sizeof(float);
}

ModelConfig Llama2cHeader::model_config() const {
  ModelConfig config;
  config.architecture = "LlamaForCausalLM";
  config.vocab_size = vocab_size;
  config.hidden_size = dim;
  config.intermediate_size = hidden_dim;
  config.num_hidden_layers = n_layers;
  config.num_attention_heads = n_heads;
  config.num_key_value_heads = n_kv_heads;
  config.max_position_embeddings = seq_len;
  config.rms_norm_eps = 1e-5;   // run.c rmsnorm
  config.rope_theta = 10000.0;  // run.c RoPE
  config.tie_word_embeddings = shared_classifier;
  config.bos_token_id = 1;
  config.eos_token_id = 2;
  config.torch_dtype = "float32";
  return config;
}

Llama2cHeader read_llama2c_header(const std::string& path) {
  uint64_t file_bytes = 0;
  const std::array<int32_t, 7> raw = read_raw_header(path, &file_bytes);
  uint32_t magic = 0;
  std::memcpy(&magic, raw.data(), sizeof(magic));
  if (magic == kVersionedMagic)
    fail(path, "is a llama2.c export of version " + std::to_string(raw[1]) +
                   " (magic \"ak42\"); only the legacy version 0 is supported: re-export with "
                   "llama2.c's export.py --version 0");
  Llama2cHeader h;
  h.dim = raw[0];
  h.hidden_dim = raw[1];
  h.n_layers = raw[2];
  h.n_heads = raw[3];
  h.n_kv_heads = raw[4];
  h.shared_classifier = raw[5] > 0;
  h.vocab_size = raw[5] < 0 ? -int64_t(raw[5]) : int64_t(raw[5]);
  h.seq_len = raw[6];
  check_header(h, path);
  const uint64_t expected = h.expected_bytes();
  if (file_bytes != expected)
    fail(path, std::string(file_bytes < expected ? "truncated" : "has extra bytes") +
                   ": the header (dim " + std::to_string(h.dim) + ", " +
                   std::to_string(h.n_layers) + " layers, vocab " + std::to_string(h.vocab_size) +
                   (h.shared_classifier ? ", shared classifier" : ", own classifier") + ") needs " +
                   std::to_string(expected) + " bytes but the file has " +
                   std::to_string(file_bytes));
  return h;
}

torch::Tensor interleaved_to_rotate_half(const torch::Tensor& weight, int64_t heads) {
  const int64_t rows = weight.size(0), cols = weight.size(1);
  const int64_t d = rows / heads;
  // (heads, D/2, 2, C) -> (heads, 2, D/2, C): even rows of each head first, then the odd ones.
  return weight.view({heads, d / 2, 2, cols}).transpose(1, 2).reshape({rows, cols});
}

LlamaForCausalLM load_llama2c_model(const std::string& path, torch::Dtype dtype,
                                    torch::Device device) {
  const Llama2cHeader h = read_llama2c_header(path);
  LlamaForCausalLM model(h.model_config(), ModelInit{dtype, device, /*random=*/false});
  torch::NoGradGuard no_grad;
  const auto params = model->named_parameters();
  const auto set = [&](const std::string& name, const torch::Tensor& value) {
    require_finite(value, name, path);
    params[name].copy_(value);  // converts dtype and moves to the device
  };
  const auto layer = [](int64_t l, const char* rest) {
    return "model.layers." + std::to_string(l) + "." + rest;
  };
  const int64_t c = h.dim, kv = h.kv_dim(), inner = h.hidden_dim, n = h.n_layers;
  FloatStream in(path);
  set("model.embed_tokens.weight", in.next({h.vocab_size, c}, "token_embedding_table"));
  // Each array holds all layers back to back, in this order (run.c memory_map_weights).
  const torch::Tensor rms_att = in.next({n, c}, "rms_att_weight");
  const torch::Tensor wq = in.next({n, c, c}, "wq");
  const torch::Tensor wk = in.next({n, kv, c}, "wk");
  const torch::Tensor wv = in.next({n, kv, c}, "wv");
  const torch::Tensor wo = in.next({n, c, c}, "wo");
  const torch::Tensor rms_ffn = in.next({n, c}, "rms_ffn_weight");
  const torch::Tensor w1 = in.next({n, inner, c}, "w1");
  const torch::Tensor w2 = in.next({n, c, inner}, "w2");
  const torch::Tensor w3 = in.next({n, inner, c}, "w3");
  for (int64_t l = 0; l < n; ++l) {
    set(layer(l, "input_layernorm.weight"), rms_att[l]);
    set(layer(l, "self_attn.q_proj.weight"), interleaved_to_rotate_half(wq[l], h.n_heads));
    set(layer(l, "self_attn.k_proj.weight"), interleaved_to_rotate_half(wk[l], h.n_kv_heads));
    set(layer(l, "self_attn.v_proj.weight"), wv[l]);
    set(layer(l, "self_attn.o_proj.weight"), wo[l]);
    set(layer(l, "post_attention_layernorm.weight"), rms_ffn[l]);
    set(layer(l, "mlp.gate_proj.weight"), w1[l]);
    set(layer(l, "mlp.down_proj.weight"), w2[l]);
    set(layer(l, "mlp.up_proj.weight"), w3[l]);
  }
  set("model.norm.weight", in.next({c}, "rms_final_weight"));
  in.skip(h.seq_len * h.head_size());  // freq_cis_real + freq_cis_imag (seq_len, D/2) each
  if (!h.shared_classifier) set("lm_head.weight", in.next({h.vocab_size, c}, "wcls"));
  return model;
}

bool is_llama2c_checkpoint(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::array<int32_t, 7> raw{};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(raw.data()), kHeaderBytes)) return false;
  for (int i = 0; i < 7; ++i)
    if (i != 5 && raw[i] <= 0) return false;
  return raw[5] != 0;
}

}  // namespace glossa
