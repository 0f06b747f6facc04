// Grows the input embedding and LM head from the base vocabulary V to the merged one V'
// (optionally padded), initialising the new rows (engine-internal: exposes torch). Old rows are
// copied bit for bit. Methods (docs/training-stages.md, "Initialising new rows"):
//   eeve        input row = mean of the input rows of the token's base pieces; output row = the
//               output row of its first base piece that is not whitespace or special
//               (EEVE, arXiv 2402.14714); no such piece: the mean of the old output rows
//   decomposition  input row and output row = the mean of the base pieces' rows of the same
//               matrix (RedWhale, arXiv 2408.11294: token decomposition for embedding and head)
//   mean        every new row = mean of the old rows of its matrix
//   mean_noise  transformers' mean_resizing: N(mean, 1e-9 × covariance of the old rows), the
//               plain mean when that covariance is not positive definite
//   normal      N(0, normal_std)
// Padding rows past V' (never a token id) get the method's value without a map entry: the
// mean for eeve, decomposition and mean, a sample for mean_noise and normal.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/new_token_map.h"
#include "training/model/llama_model.h"

namespace glossa {

enum class NewRowInit { kEeve, kDecomposition, kMean, kMeanNoise, kNormal };
NewRowInit new_row_init_from_string(const std::string& text, const std::string& where);

struct VocabResizeOptions {
  NewRowInit init = NewRowInit::kEeve;  // how new rows start
  int64_t pad_to_multiple = 0;          // rows rounded up to a multiple of this (64); 0 = none
  double normal_std = 0.02;             // normal: standard deviation
  uint64_t seed = 0;                    // mean_noise / normal: CPU generator seed
  std::vector<int64_t> special_ids;     // eeve: base ids never taken as output row (BOS, EOS...)
};

struct ResizedVocabulary {
  torch::Tensor embed;      // (rows, C) new model.embed_tokens.weight
  torch::Tensor head;       // (rows, C) new lm_head.weight; undefined when tied
  int64_t token_count = 0;  // V' (tokenizer size)
  int64_t rows = 0;         // V' rounded up to pad_to_multiple
};

// embed, head: (V, C) base matrices, same shape; head undefined for a tied model. new_vocab: V'.
// map: new_token_map rows; eeve needs one row for every id V..V'-1, other methods accept an
// empty map (a non-empty one is still checked). Throws Error for an id outside [V, V'), a base
// id outside [0, V), a map that misses a new id, a shape mismatch, or V' < V.
ResizedVocabulary resize_vocabulary(const torch::Tensor& embed, const torch::Tensor& head,
                                    int64_t new_vocab, const std::vector<NewTokenEntry>& map,
                                    const VocabResizeOptions& options);

// resize_vocabulary applied to a model in place: its embedding (and untied head) grow to the
// map's vocabulary (its last id + 1) and get the initialised rows. EEVE's special ids (never an
// output row) are the model's BOS, EOS and PAD. A map without rows leaves the model unchanged.
// The model's parameters keep their dtype and device; the new rows are computed in float32.
ResizedVocabulary resize_model_vocabulary(LlamaForCausalLMImpl& model,
                                          const std::vector<NewTokenEntry>& map,
                                          VocabResizeOptions options);

}  // namespace glossa
