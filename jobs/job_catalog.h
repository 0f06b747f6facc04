// The jobs of each engine area, one file each (corpus_jobs.cpp, ...); job_registry.cpp lists
// them all. Internal to the job layer.
#pragma once

#include <vector>

#include "jobs/job_registry.h"

namespace glossa::jobs {

std::vector<JobSpec> corpus_jobs();     // corpus.stats, corpus.clean
std::vector<JobSpec> tokenizer_jobs();  // tokenizer.train, tokenizer.analyze
std::vector<JobSpec> vocab_jobs();      // vocab.count, vocab.expand, vocab.merge
std::vector<JobSpec> prepare_jobs();    // pack, bench.prepare
std::vector<JobSpec> model_jobs();      // eval, model.generate, model.import, model.resize

}  // namespace glossa::jobs
