// What the New run dialog edits (docs/user-guide.md, "Starting a run"): a RUN.json file, or a
// schedule preset with the project's model, tokenizer, shards and held-out sets plus the few
// overrides a person changes most (steps per stage, sequence, micro-batch, learning rate), and
// where it runs (CPU, or N local GPUs). params() is what run.plan and run.start receive. Kept
// apart from the dialog so the translation is tested without widgets.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace glossa::app {

struct DataSource {
  QString prefix;  // shard prefix (PREFIX.bin / .idx / .manifest.json)
  double weight = 1.0;
};

struct NewRunRequest {
  QString config_file;  // non-empty: start this RUN.json as it is (the fields below are unused)

  QString preset = QStringLiteral("eeve");  // built-in preset name or a preset file
  QString run_dir;
  QString model;          // base model folder; empty for a preset that initialises randomly
  QString tokenizer;      // merged tokenizer folder
  QString new_token_map;  // new_token_map.jsonl; empty: no resize
  QList<DataSource> sources;
  QStringList heldout;  // held-out shard prefixes; named by their file name

  // Overrides on every stage; 0 keeps the preset's value.
  qint64 steps_per_stage = 0;
  qint64 seq_len = 0;
  qint64 micro_batch = 0;
  double peak_lr = 0;
  qint64 eval_every_steps = 0;
  qint64 threads = 0;  // torch threads per rank; 0 = torch's default

  QString dtype;  // "" = the run's default (bf16-mixed on CUDA, float32 on the CPU), float32,
                  // bf16-mixed or bfloat16 (docs/run-config.md, "Precision")
  QString device = QStringLiteral("cpu");  // "cpu" or "cuda"
  int ranks = 1;                            // processes (CPU: Gloo; CUDA: one GPU each)
  QList<int> gpus;                          // cuda: physical indices, one per rank; empty = 0..N-1

  nlohmann::json params() const;  // run.start / run.plan params
  nlohmann::json config() const;  // the RUN.json object of the form (config_file empty)
  // What must be filled in first, in plain words; empty when the request can be planned.
  QString problem() const;
};

// "heldout/ko_heldout" -> "ko_heldout"; the name a shard prefix gets in metrics.
QString shard_name(const QString& prefix);

}  // namespace glossa::app
