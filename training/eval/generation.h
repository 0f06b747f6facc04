// Autoregressive decoding with LlamaForCausalLM: greedy (argmax) or temperature / top-p sampling
// from a seeded SplitMix64 stream, stopping at a stop id or after max_new_tokens. No KV cache:
// every step runs the model over the whole window (the last max_position_embeddings tokens),
// which is simple and exact, and cheap for the small models this serves (stories260K: ~1 ms per
// step). Engine-internal: exposes torch.
#pragma once

#include <cstdint>
#include <vector>

#include "base/job_control.h"
#include "training/api/generate_api.h"
#include "training/model/llama_model.h"
#include "base/seeded_rng.h"

namespace glossa {

// The next token for logits (V) of one position (any float dtype and device). Greedy (or
// temperature 0): the first index of the maximum. Sampling: p = softmax(logits / temperature) in
// float64; with top_p < 1 only the most probable tokens (descending, ties by lower id) up to and
// including the first whose cumulative probability reaches top_p; then one rng.uniform() draw
// against their cumulative mass, in that order.
int64_t pick_next_token(const torch::Tensor& logits, const GenerateOptions& options,
                        SeededRng& rng);

// Continues `prompt` (non-empty, ids in [0, V)) with at most options.max_new_tokens tokens. Stop
// ids: options.stop_ids, or the model's eos_token_id when empty; a stop id is kept as the last
// generated token. Each step feeds the last max_position_embeddings tokens (positions restart at
// 0 for that window). Checks `job` for cancellation between steps. Fills ids, stop_reason,
// prompt_tokens, context_limit, seconds and tokens_per_second.
GenerateResult generate(LlamaForCausalLMImpl& model, const std::vector<int64_t>& prompt,
                        const GenerateOptions& options, const JobControl& job = {});

}  // namespace glossa
