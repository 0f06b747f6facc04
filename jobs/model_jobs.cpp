// eval, model.generate, model.import and model.resize (docs/jobs.md; docs/evaluation.md,
// llama2c-import.md, training-stages.md). They need LibTorch: here are their options only; the
// work is installed by glossa-worker (jobs/torch/model_job_runs.cpp), where they run.
#include "jobs/job_catalog.h"
#include "training/api/eval_api.h"
#include "training/api/generate_api.h"
#include "training/api/model_resize_api.h"

namespace glossa::jobs {

namespace {

const std::vector<std::string> kDtypes = {"float32", "fp32", "bfloat16", "bf16", "float16", "fp16"};

OptionSpec device_option() {
  return option("device", OptionType::kString, "cpu, cuda or cuda:N").default_to("cpu");
}

OptionSpec dtype_option(const char* help) {
  return option("dtype", OptionType::kString, help).default_to("float32").one_of(kDtypes);
}

JobSpec eval_job() {
  const EvalOptions defaults;
  JobSpec job;
  job.name = "eval";
  job.summary =
      "Score a model: multiple-choice benchmarks (bench prepare) and held-out bits per byte";
  job.isolation = Isolation::kTorch;
  job.options = {
      option("model", OptionType::kString, "Hugging Face model folder (config.json + safetensors)")
          .required()
          .existing_dir(),
      option("requests", OptionType::kStringList, "Request files written by bench prepare")
          .existing_file(),
      option("held_out", OptionType::kStringList,
             "Held-out shard prefixes (e.g. shards/ko_heldout)"),
      option("batch", OptionType::kInt, "Rows per forward pass")
          .default_to(defaults.batch_size)
          .at_least(1),
      option("max_tokens", OptionType::kInt,
             "Held-out: score about this many tokens per set (0 = all; bytes then estimated)")
          .default_to(defaults.max_tokens)
          .at_least(0),
      option("seq_len", OptionType::kInt,
             "Held-out window length (0 = the model's max_position_embeddings)")
          .default_to(defaults.seq_len)
          .at_least(0),
      option("max_length", OptionType::kInt,
             "Benchmarks: context length, longer requests cut from the left (0 = the model's)")
          .default_to(defaults.max_length)
          .at_least(0),
      device_option(),
      dtype_option("Parameters: float32, bfloat16, float16"),
      option("tokenizer", OptionType::kString,
             "The run's tokenizer: request files prepared with another one are refused")
          .existing_file(),
      option("details", OptionType::kBool,
             "Also report every request's log-likelihood and is_greedy (JSON)"),
  };
  job.check = [](const JobOptions& o) {
    if (!o.has("requests") && !o.has("held_out"))
      throw OptionsError(
          "options of job eval: give requests (--requests) and/or held_out (--held-out): there "
          "is nothing to evaluate");
  };
  return job;
}

JobSpec generate_job() {
  const GenerateOptions defaults;
  JobSpec job;
  job.name = "model.generate";
  job.summary =
      "Continue a prompt with a model: a Hugging Face folder or a llama2.c .bin";
  job.isolation = Isolation::kTorch;
  job.options = {
      option("model", OptionType::kString,
             "Hugging Face model folder or llama2.c checkpoint (.bin)")
          .required(),
      option("tokenizer", OptionType::kString,
             "SentencePiece .model or llama2.c tokenizer .bin (default: the folder's "
             "tokenizer.model)")
          .existing_file(),
      option("prompt", OptionType::kString, "Text to continue (BOS is prepended)"),
      option("bos", OptionType::kBool, "Start from BOS alone (no prompt)"),
      option("max_new_tokens", OptionType::kInt, "Tokens to generate at most")
          .default_to(defaults.max_new_tokens)
          .at_least(0),
      option("greedy", OptionType::kBool, "Argmax at every step (else sampling)")
          .excludes({"temperature", "top_p", "seed"}),
      option("temperature", OptionType::kNumber, "Sampling temperature (0 = greedy)")
          .default_to(defaults.temperature)
          .at_least(0),
      option("top_p", OptionType::kNumber, "Sampling nucleus: keep tokens up to this mass")
          .default_to(defaults.top_p)
          .at_least(0)
          .at_most(1),
      option("seed", OptionType::kInt, "Sampling seed").default_to(defaults.seed).at_least(0),
      option("stop_id", OptionType::kIntList,
             "Token id that ends generation (repeatable; default: EOS, and BOS for llama2.c)")
          .at_least(0),
      device_option(),
      dtype_option("float32, bfloat16, float16"),
  };
  return job;
}

JobSpec import_job() {
  JobSpec job;
  job.name = "model.import";
  job.summary = "Write a llama2.c checkpoint (and tokenizer) as a Hugging Face folder";
  job.isolation = Isolation::kTorch;
  job.options = {
      option("llama2c", OptionType::kString, "llama2.c checkpoint (.bin, legacy version 0)")
          .required()
          .existing_file(),
      option("tokenizer", OptionType::kString,
             "llama2.c tokenizer .bin or SentencePiece .model: written as tokenizer.model with "
             "the Hugging Face tokenizer files")
          .existing_file(),
      option("out", OptionType::kString, "Output folder").required(),
      option("untie_embeddings", OptionType::kBool,
             "Give a shared classifier its own lm_head (a copy), so input and output embeddings "
             "can train separately (EEVE)"),
  };
  return job;
}

JobSpec resize_job() {
  const ModelResizeOptions defaults;
  JobSpec job;
  job.name = "model.resize";
  job.summary =
      "Grow a model's embeddings to a merged tokenizer and initialise the new rows (as "
      "glossa-train does before stage 1)";
  job.isolation = Isolation::kTorch;
  job.options = {
      option("model", OptionType::kString, "Hugging Face model folder (the base model)")
          .required()
          .existing_dir(),
      option("tokenizer", OptionType::kString,
             "The merged tokenizer's folder (vocab expand --out, or an HF tokenizer folder)")
          .required()
          .existing_dir(),
      option("new_token_map", OptionType::kString,
             "new_token_map.jsonl (default: TOKENIZER/new_token_map.jsonl)")
          .existing_file(),
      option("init", OptionType::kString, "How new rows start: eeve, decomposition, mean, mean_noise, normal")
          .default_to(defaults.init)
          .one_of({"eeve", "decomposition", "mean", "mean_noise", "normal"}),
      option("pad_to_multiple", OptionType::kInt,
             "Round the rows up to a multiple of this (e.g. 64; 0 = no padding)")
          .default_to(defaults.pad_to_multiple)
          .at_least(0),
      option("normal_std", OptionType::kNumber, "normal: standard deviation")
          .default_to(defaults.normal_std)
          .at_least(0),
      option("seed", OptionType::kInt, "mean_noise / normal: random seed")
          .default_to(defaults.seed)
          .at_least(0),
      option("out", OptionType::kString, "Output model folder").required(),
  };
  return job;
}

}  // namespace

std::vector<JobSpec> model_jobs() {
  return {eval_job(), generate_job(), import_job(), resize_job()};
}

}  // namespace glossa::jobs
