#include "training/data/heldout_set.h"

#include <algorithm>

#include "base/error.h"
#include "training/data/shard_dataset.h"

namespace glossa {

HeldoutSet load_heldout_set(const std::string& name, const std::string& prefix, int64_t seq_len,
                            int64_t model_vocab_size) {
  if (seq_len < 1) fail("held-out set '" + name + "'", "seq_len must be >= 1");
  const ShardDataset shard(name, prefix, model_vocab_size);
  HeldoutSet set;
  set.name = name;
  set.prefix = prefix;
  set.seq_len = seq_len;
  set.bytes = shard.manifest().bytes;
  const int64_t eos = shard.manifest().eos_id;
  if (eos >= 0) set.stream.push_back(static_cast<int32_t>(eos));
  set.stream.reserve(set.stream.size() + shard.tokens());
  std::vector<int32_t> ids;
  for (uint64_t j = 0; j < shard.documents(); ++j) {
    shard.read_document(j, &ids);
    set.stream.insert(set.stream.end(), ids.begin(), ids.end());
  }
  set.tokens = static_cast<int64_t>(set.stream.size()) - 1;
  set.windows = (set.tokens + seq_len - 1) / seq_len;
  return set;
}

Batch HeldoutSet::batch(int64_t first, int64_t count, int32_t pad_id) const {
  first = std::clamp<int64_t>(first, 0, windows);
  count = std::clamp<int64_t>(count, 0, windows - first);
  const int64_t T = seq_len;
  Batch b;
  b.B = count;
  b.T = T;
  b.inputs.assign(count * T, pad_id);
  b.targets.assign(count * T, pad_id);
  b.loss_mask.assign(count * T, 0);
  b.tokens_by_source = {0};
  const int64_t n = static_cast<int64_t>(stream.size());
  for (int64_t r = 0; r < count; ++r) {
    const int64_t start = (first + r) * T;  // stream index of the window's first input
    const int64_t targets = std::min(T, n - 1 - start);
    for (int64_t t = 0; t < targets; ++t) {
      b.inputs[r * T + t] = stream[start + t];
      b.targets[r * T + t] = stream[start + t + 1];
      b.loss_mask[r * T + t] = 1;
    }
    b.tokens_by_source[0] += targets;
  }
  return b;
}

}  // namespace glossa
