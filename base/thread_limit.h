// The most worker threads any job or run accepts. A thread count is a user's number: 100000
// would reserve ~24 GB of stacks and buffers or hang in pool creation, so every reader refuses
// it with this bound (docs/jobs.md, docs/run-config.md). 256 is above any machine Glossa targets.
#pragma once

namespace glossa {

constexpr int kMaxThreads = 256;

}  // namespace glossa
