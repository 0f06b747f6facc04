// One strict reader for every options and config struct read from JSON (base/strict_json.h):
// for each struct, a valid object reads, a misspelt key is refused naming the key and the doc,
// and a value of the wrong type (an integer with a fraction, a negative count, a string for a
// number) is refused naming the key. Every job's options likewise (jobs/option_schema.h).
#include <QtTest>
#include <functional>
#include <nlohmann/json.hpp>

#include "jobs/job_registry.h"
#include "support/test_support.h"
#include "tokenizer/clean/corpus_cleaner.h"
#include "tokenizer/clean/minhash_dedup.h"
#include "tokenizer/corpus/corpus_reader_options.h"
#include "tokenizer/prepare/benchmark_task.h"
#include "tokenizer/prepare/shard_packer.h"
#include "tokenizer/spm/hf_tokenizer_files.h"
#include "tokenizer/spm/tokenizer_trainer.h"
#include "tokenizer/vocab/vocab_expander.h"
#include "training/api/eval_api.h"
#include "training/api/generate_api.h"
#include "training/config/data_config.h"
#include "training/config/model_config.h"
#include "training/config/stage_config.h"

using nlohmann::json;

namespace {

struct Case {
  const char* name;
  std::function<void(const json&)> read;  // from_json of the struct
  json valid;                             // an object that reads
  const char* misspelt;                   // a key that is almost a real one
  const char* typed_key;                  // a real key ...
  json wrong;                             // ... with a value of the wrong type
  const char* doc;                        // named in the misspelt-key error
};

json stage() { return {{"name", "s"}, {"trainable", {"all"}}, {"budget_steps", 2}}; }

json model_config() {
  return {{"architectures", {"LlamaForCausalLM"}}, {"vocab_size", 32}, {"hidden_size", 8},
          {"intermediate_size", 16}, {"num_hidden_layers", 1}, {"num_attention_heads", 2},
          {"max_position_embeddings", 16}};
}

json task() {
  return {{"name", "t"}, {"columns", {"a", "b"}}, {"context", "{a}"}, {"choices", {"x", "y"}},
          {"gold", "{b}"}};
}

std::vector<Case> cases() {
  return {
      {"CleanOptions", [](const json& j) { glossa::CleanOptions::from_json(j); },
       {{"min_chars", 5}}, "min_char", "min_chars", 5.5, "docs/corpus-cleaning.md"},
      {"MinHashConfig", [](const json& j) { glossa::MinHashConfig::from_json(j); },
       {{"bands", 16}}, "band", "bands", "16", "docs/corpus-cleaning.md"},
      {"CorpusReaderOptions",
       [](const json& j) { glossa::CorpusReaderOptions::from_json(j, "reader"); },
       {{"field", "text"}}, "feild", "max_document_bytes", -1, "docs/corpus-formats.md"},
      {"PackOptions", [](const json& j) { glossa::PackOptions::from_json(j); },
       {{"seed", 3}}, "heldout", "seed", -3, "docs/shards.md"},
      {"TokenizerTrainerConfig",
       [](const json& j) { glossa::TokenizerTrainerConfig::from_json(j); },
       {{"vocab_size", 300}}, "vocabsize", "vocab_size", 128.9, "docs/tokenizer-files.md"},
      {"ExpansionOptions", [](const json& j) { glossa::ExpansionOptions::from_json(j); },
       {{"min_freq", 10}}, "min_frequency", "min_freq", -1, "docs/vocabulary-expansion.md"},
      {"HfTokenizerOptions", [](const json& j) { glossa::HfTokenizerOptions::from_json(j); },
       {{"legacy", false}}, "legasy", "legacy", 0, "docs/tokenizer-files.md"},
      {"BenchmarkTask", [](const json& j) { glossa::BenchmarkTask::from_json(j, "task.json"); },
       task(), "colums", "header", "yes", "docs/benchmarks-tasks.md"},
      {"DataConfig", [](const json& j) { glossa::DataConfig::from_json(j); },
       {{"sources", {{{"prefix", "p"}}}}}, "seqlen", "seq_len", 256.5, "docs/training-data.md"},
      {"StageConfig", [](const json& j) { glossa::StageConfig::from_json(j); }, stage(),
       "peek_lr", "micro_batch", 2.5, "docs/training-stages.md"},
      {"ScheduleConfig", [](const json& j) { glossa::ScheduleConfig::from_json(j); },
       {{"stages", {stage()}}}, "stage", "pad_vocab_to_multiple", "64",
       "docs/training-stages.md"},
      {"EvalOptions", [](const json& j) { glossa::EvalOptions::from_json(j); },
       {{"batch_size", 4}, {"dtype", "bf16"}}, "batchsize", "batch_size", 4.5,
       "docs/evaluation.md"},
      {"GenerateOptions", [](const json& j) { glossa::GenerateOptions::from_json(j); },
       {{"max_new_tokens", 4}}, "max_tokens", "seed", -7, "docs/llama2c-import.md"},
  };
}

}  // namespace

class TestStrictOptions : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyStructReadsStrictly() {
    for (const Case& c : cases()) {
      const QString name = c.name;
      QVERIFY2(glossa::test::error_of([&] { c.read(c.valid); }).isEmpty(), qPrintable(name));
      json misspelt = c.valid;
      misspelt[c.misspelt] = 1;
      const QString unknown = glossa::test::error_of([&] { c.read(misspelt); });
      QVERIFY2(unknown.contains(QString("'%1'").arg(c.misspelt)) && unknown.contains(c.doc),
               qPrintable(name + ": " + unknown));
      json typed = c.valid;
      typed[c.typed_key] = c.wrong;
      const QString wrong = glossa::test::error_of([&] { c.read(typed); });
      QVERIFY2(wrong.contains(QString("'%1'").arg(c.typed_key)) && wrong.contains("wrong type"),
               qPrintable(name + ": " + wrong));
    }
  }

  // A foreign file (HF config.json) keeps unknown keys, but not wrong types.
  void modelConfigIgnoresForeignKeysButNotWrongTypes() {
    json config = model_config();
    config["transformers_version"] = "4.57.6";
    glossa::ModelConfig::from_json(config);
    config["hidden_size"] = 8.5;
    const QString wrong = glossa::test::error_of([&] { glossa::ModelConfig::from_json(config); });
    QVERIFY2(wrong.contains("'hidden_size'") && wrong.contains("wrong type"), qPrintable(wrong));
  }

  void oneDtypeVocabularyBothSpellingsReadOneWritten() {
    QCOMPARE(QString::fromStdString(glossa::EvalOptions::from_json({{"dtype", "bf16"}}).dtype),
             QString("bfloat16"));
    QCOMPARE(QString::fromStdString(glossa::GenerateOptions::from_json({{"dtype", "fp32"}}).dtype),
             QString("float32"));
    QVERIFY(glossa::test::error_of([] { glossa::EvalOptions::from_json({{"dtype", "f8"}}); })
                .contains("float32 (fp32)"));
  }

  void everyJobRefusesAMisspeltKeyAndAWrongType() {
    for (const auto& job : glossa::jobs::all_jobs()) {
      const QString name = QString::fromStdString(job.name);
      const QString unknown = glossa::test::error_of(
          [&] { glossa::jobs::check_job_options(job, {{"thread", 2}}); });
      QVERIFY2(unknown.contains("'thread'") && unknown.contains("docs/jobs.md"),
               qPrintable(name + ": " + unknown));
      const auto& first = job.options.front();
      const json wrong = first.type == glossa::jobs::OptionType::kString ? json(5) : json("x");
      const QString typed = glossa::test::error_of(
          [&] { glossa::jobs::check_job_options(job, {{first.key, wrong}}); });
      QVERIFY2(typed.contains(QString::fromStdString("'" + first.key + "'")),
               qPrintable(name + ": " + typed));
    }
  }
};

QTEST_GUILESS_MAIN(TestStrictOptions)
#include "test_strict_options.moc"
