#include "training/model/vocab_resize.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

#include "base/error.h"

namespace glossa {

namespace {

constexpr const char* kWhere = "vocabulary resize";
constexpr double kCovarianceScale = 1e-9;  // transformers' mean_resizing epsilon

// Checks the map against V and V'. eeve needs every new id; the others take an empty map.
void check_map(const std::vector<NewTokenEntry>& map, int64_t old_vocab, int64_t new_vocab,
               bool required) {
  for (const NewTokenEntry& r : map) {
    if (r.id < old_vocab || r.id >= new_vocab)
      fail(kWhere, "new-token map id " + std::to_string(r.id) + " ('" + r.piece +
                       "') is outside the new rows " + std::to_string(old_vocab) + ".." +
                       std::to_string(new_vocab - 1) +
                       " (map of another tokenizer, or the wrong new vocabulary size?)");
    for (const int64_t b : r.base_ids)
      if (b < 0 || b >= old_vocab)
        fail(kWhere, "new-token map id " + std::to_string(r.id) + " names base id " +
                         std::to_string(b) + ", beyond the base vocabulary of " +
                         std::to_string(old_vocab) + " rows (map of another base model?)");
  }
  if ((required || !map.empty()) && static_cast<int64_t>(map.size()) != new_vocab - old_vocab) {
    int64_t missing = old_vocab;  // first id without an entry (map ids are increasing)
    for (const NewTokenEntry& r : map)
      if (r.id == missing) ++missing;
    fail(kWhere, "the new-token map has " + std::to_string(map.size()) + " rows but " +
                     std::to_string(new_vocab - old_vocab) + " new ids " +
                     std::to_string(old_vocab) + ".." + std::to_string(new_vocab - 1) +
                     " need one each (first missing id: " + std::to_string(missing) + ")");
  }
}

// mean_noise rows, as transformers' _init_added_embeddings_weights_with_mean.
// old: (V, C) float32. Returns (n, C) float32.
torch::Tensor mean_noise_rows(const torch::Tensor& old, int64_t n, at::Generator& gen) {
  const torch::Tensor mean = old.mean(0);                                 // (C)
  const torch::Tensor centered = old - mean;                              // (V, C)
  const torch::Tensor cov = centered.t().matmul(centered) / old.size(0);  // (C, C)
  const torch::Tensor scaled = kCovarianceScale * cov;
  const bool symmetric = torch::isclose(scaled, scaled.t(), 1e-5, 1e-6).all().item<bool>();
  if (symmetric) {
    auto [lower, info] = torch::linalg_cholesky_ex(scaled);
    if (info.item<int64_t>() == 0) {
      const torch::Tensor z = at::randn({n, old.size(1)}, gen, old.options());  // (n, C)
      return mean + z.matmul(lower.t());
    }
  }
  return mean.unsqueeze(0).expand({n, old.size(1)}).clone();
}

// Rows [old_vocab, rows) of one (V, C) matrix for the non-EEVE methods, float32 on the CPU.
torch::Tensor generic_rows(const torch::Tensor& old32, int64_t n, const VocabResizeOptions& o,
                           at::Generator& gen) {
  switch (o.init) {
    case NewRowInit::kMeanNoise:
      return mean_noise_rows(old32, n, gen);
    case NewRowInit::kNormal:
      return at::randn({n, old32.size(1)}, gen, old32.options()) * o.normal_std;
    default:
      return old32.mean(0).unsqueeze(0).expand({n, old32.size(1)}).clone();
  }
}

// The first base piece EEVE may take as output row, or -1.
int64_t first_output_piece(const NewTokenEntry& r, const std::vector<int64_t>& special_ids) {
  for (size_t i = 0; i < r.base_ids.size(); ++i) {
    const bool special =
        std::find(special_ids.begin(), special_ids.end(), r.base_ids[i]) != special_ids.end();
    if (!special && !is_whitespace_or_special_piece(r.base_pieces[i])) return r.base_ids[i];
  }
  return -1;
}

}  // namespace

NewRowInit new_row_init_from_string(const std::string& text, const std::string& where) {
  if (text == "eeve") return NewRowInit::kEeve;
  if (text == "decomposition") return NewRowInit::kDecomposition;
  if (text == "mean") return NewRowInit::kMean;
  if (text == "mean_noise") return NewRowInit::kMeanNoise;
  if (text == "normal") return NewRowInit::kNormal;
  fail(where, "unknown init '" + text +
                  "' (expected eeve, decomposition, mean, mean_noise or normal)");
}

ResizedVocabulary resize_vocabulary(const torch::Tensor& embed, const torch::Tensor& head,
                                    int64_t new_vocab, const std::vector<NewTokenEntry>& map,
                                    const VocabResizeOptions& options) {
  if (embed.dim() != 2) fail(kWhere, "model.embed_tokens.weight must be (V, C)");
  if (head.defined() && head.sizes() != embed.sizes())
    fail(kWhere, "lm_head.weight " + c10::str(head.sizes()) + " and embed_tokens " +
                     c10::str(embed.sizes()) + " differ in shape");
  const int64_t old_vocab = embed.size(0), width = embed.size(1);
  if (new_vocab < old_vocab)
    fail(kWhere, "new vocabulary " + std::to_string(new_vocab) + " is smaller than the base's " +
                     std::to_string(old_vocab) + " (shrinking is not supported)");
  const bool eeve = options.init == NewRowInit::kEeve;
  const bool pieces = eeve || options.init == NewRowInit::kDecomposition;  // rows from base pieces
  check_map(map, old_vocab, new_vocab, pieces);

  ResizedVocabulary out;
  out.token_count = new_vocab;
  out.rows = padded_vocab_rows(new_vocab, options.pad_to_multiple);
  const int64_t added = out.rows - old_vocab;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  torch::NoGradGuard no_grad;
  const auto grow = [&](const torch::Tensor& old, bool is_head) {
    const torch::Tensor old32 = old.detach().to(torch::kCPU, torch::kFloat32);  // (V, C)
    torch::Tensor fresh = generic_rows(old32, added, options, gen);             // (added, C)
    if (pieces) {
      for (const NewTokenEntry& r : map) {
        const int64_t row = r.id - old_vocab;
        if (!is_head || !eeve) {  // decomposition: the head's pieces' mean too
          fresh[row] = old32.index_select(0, torch::tensor(r.base_ids)).mean(0);
        } else if (const int64_t first = first_output_piece(r, options.special_ids); first >= 0) {
          fresh[row] = old32[first];
        }  // else: keeps the mean of the old output rows
      }
    }
    torch::Tensor grown = torch::empty({out.rows, width}, old.options());
    grown.narrow(0, 0, old_vocab).copy_(old);  // old rows: same dtype, bit-identical
    grown.narrow(0, old_vocab, added).copy_(fresh);
    return grown;
  };
  out.embed = grow(embed, false);
  if (head.defined()) out.head = grow(head, true);
  return out;
}

ResizedVocabulary resize_model_vocabulary(LlamaForCausalLMImpl& model,
                                          const std::vector<NewTokenEntry>& map,
                                          VocabResizeOptions options) {
  if (map.empty()) return {};
  const ModelConfig& mc = model.config();
  options.special_ids = {mc.bos_token_id, mc.eos_token_id};
  if (mc.pad_token_id >= 0) options.special_ids.push_back(mc.pad_token_id);
  torch::NoGradGuard no_grad;
  const bool tied = mc.tie_word_embeddings;
  const torch::Tensor embed = model.input_embedding().detach().to(torch::kCPU, torch::kFloat32);
  const torch::Tensor head =
      tied ? torch::Tensor() : model.output_embedding().detach().to(torch::kCPU, torch::kFloat32);
  ResizedVocabulary r = resize_vocabulary(embed, head, map.back().id + 1, map, options);
  model.resize_vocabulary(r.rows);
  model.input_embedding().copy_(r.embed);
  if (!tied) model.output_embedding().copy_(r.head);
  return r;
}

}  // namespace glossa
