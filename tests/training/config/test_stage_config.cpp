// ctest-labels: unit
// Stage and schedule configs read and write JSON strictly, the presets load, and validation
// reports every problem of a schedule against a model before any compute.
#include <QtTest>

#include "base/file_util.h"

#include "support/test_support.h"
#include "support/llama_names.h"
#include "base/error.h"
#include "training/config/freeze_plan.h"
#include "training/config/stage_config.h"

using namespace glossa;

namespace {

using glossa::test::llama_names;

ModelConfig tiny_model(int64_t layers, int64_t vocab, bool tied = false) {
  ModelConfig m;
  m.vocab_size = vocab;
  m.hidden_size = 16;
  m.intermediate_size = 32;
  m.num_hidden_layers = layers;
  m.num_attention_heads = 2;
  m.num_key_value_heads = 1;
  m.max_position_embeddings = 4096;
  m.tie_word_embeddings = tied;
  return m;
}

std::string preset(const char* name) {
  return QDir(QStringLiteral(GLOSSA_TEST_PYTHON_DIR "/../../resources/presets"))
      .filePath(QString::fromUtf8(name))
      .toStdString();
}

using glossa::test::error_of;

}  // namespace

class TestStageConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void everyFieldSurvivesAJsonRoundTrip() {
    StageConfig s;
    s.name = "x";
    s.source = "paper §2";
    s.notes = "n";
    s.trainable = {"embed.new", "layers.odd"};
    s.budget_tokens = 123456;
    s.peak_lr = 3e-4;
    s.min_lr = 3e-5;
    s.warmup_steps = 7;
    s.schedule = ScheduleKind::kWsd;
    s.wsd_decay_fraction = 0.25;
    s.weight_decay = 0.1;
    s.betas = {0.8, 0.95};
    s.eps = 1e-6;
    s.seq_len = 512;
    s.micro_batch = 3;
    s.grad_accum = 5;
    s.lr_multipliers = {{"embed.new", 10.0}};
    s.reset_optimizer = s.zero1 = s.activation_checkpointing = s.decay_embeddings = true;
    s.eval_every_steps = 9;
    s.clip_grad_norm = 0.5;
    const nlohmann::json j = s.to_json();
    QCOMPARE(StageConfig::from_json(j).to_json(), j);
    QCOMPARE(j.at("schedule").get<std::string>(), std::string("wsd"));
    QCOMPARE(s.tokens_per_step(2), int64_t(512 * 3 * 5 * 2));
    QCOMPARE(s.total_steps(2), int64_t(9));  // ceil(123456 / 15360)
  }

  void unknownKeysAndWrongTypesAreRefusedNamingTheKey() {
    auto j = nlohmann::json::parse(R"({"trainable": ["all"], "budget_steps": 5, "peek_lr": 1})");
    QString e = error_of([&] { StageConfig::from_json(j, "run.json: stages[0]"); });
    QVERIFY2(e.contains("peek_lr") && e.contains("run.json: stages[0]"), qPrintable(e));
    j = nlohmann::json::parse(R"({"seq_len": "long"})");
    QVERIFY(error_of([&] { StageConfig::from_json(j); }).contains("seq_len"));
    j = nlohmann::json::parse(R"({"seq_len": 2.5})");
    QVERIFY(error_of([&] { StageConfig::from_json(j); }).contains("seq_len"));
    j = nlohmann::json::parse(R"({"schedule": "cosin"})");
    QVERIFY(error_of([&] { StageConfig::from_json(j); }).contains("cosin"));
    j = nlohmann::json::parse(R"({"name": "s", "stages": [], "colour": 1})");
    QVERIFY(error_of([&] { ScheduleConfig::from_json(j); }).contains("colour"));
    j = nlohmann::json::parse(R"({"name": "s", "stages": [], "new_rows_init": "zeros"})");
    QVERIFY(error_of([&] { ScheduleConfig::from_json(j); }).contains("new_rows_init"));
  }

  void eevePresetFollowsThePapersSevenStageTable() {
    const ScheduleConfig c = ScheduleConfig::load(preset("eeve.json"));
    QCOMPARE(c.stages.size(), size_t(7));
    const ModelConfig model = tiny_model(2, 12);
    const auto names = llama_names(2, false);
    validate(c, model, 8, names);
    const ParamGroups g = ParamGroups::build(names, 12, 8);
    // docs/training-stages.md table: new input, old input, new output, old output, layers.
    const std::vector<std::vector<std::string>> expected = {
        {"embed.new"},
        {"lm_head.new"},
        {"embed.new", "lm_head.new"},
        {"lm_head.old", "lm_head.new"},
        {"embed.new", "lm_head.old", "lm_head.new"},
        {},   // all
        {}};  // layers only
    for (size_t i = 0; i < 7; ++i) {
      QVERIFY(!c.stages[i].source.empty());
      const FreezePlan plan = build_freeze_plan(c.stages[i], g);
      if (i == 5) {
        QCOMPARE(plan.groups.size(), g.groups().size());
      } else if (i == 6) {
        QCOMPARE(plan.groups.size(), size_t(3 * 2));
        for (const auto& name : plan.groups) QVERIFY(name.starts_with("layers."));
      } else {
        QCOMPARE(plan.groups, expected[i]);
      }
      QCOMPARE(c.stages[i].peak_lr, 4e-5);
      QCOMPARE(c.stages[i].warmup_steps, int64_t(10));
    }
  }

  void everyPresetLoadsAndValidates() {
    for (const char* file :
         {"eeve.json", "chinese_llama.json", "redwhale.json", "from_scratch_llammlein_120m.json",
          "from_scratch_llammlein_1b.json"}) {
      const ScheduleConfig c = ScheduleConfig::load(preset(file));
      QVERIFY2(!c.source.empty() && !c.stages.empty(), file);
      for (const StageConfig& s : c.stages) QVERIFY2(!s.source.empty(), file);
      QCOMPARE(ScheduleConfig::from_json(c.to_json()).to_json(), c.to_json());
      if (c.init == "random") {
        QVERIFY(c.model.has_value());
        const int64_t layers = c.model->num_hidden_layers;
        validate(c, *c.model, c.model->vocab_size, llama_names(layers, false), 32);
        QCOMPARE(c.model->vocab_size, int64_t(32064));
        const StageConfig& s = c.stages[0];
        QCOMPARE(s.tokens_per_step(layers == 12 ? 32 : 64), int64_t(1024 * 2048));
      } else {
        validate(c, tiny_model(4, 12), 8, llama_names(4, false));
      }
    }
    const ScheduleConfig small = ScheduleConfig::load(preset("from_scratch_llammlein_120m.json"));
    QCOMPARE(small.model->parameter_count() / 1000000, int64_t(124));  // "120M" (untied)
  }

  // Every value a preset file sets says where it comes from (paper, script, default,
  // assumption or reading), schedule keys and stage keys alike; a malformed provenance is refused.
  void everyPresetValueHasAProvenance() {
    for (const char* file :
         {"eeve.json", "chinese_llama.json", "redwhale.json", "from_scratch_llammlein_120m.json",
          "from_scratch_llammlein_1b.json"}) {
      const nlohmann::json raw = nlohmann::json::parse(glossa::read_file(preset(file)));
      const ScheduleConfig c = ScheduleConfig::load(preset(file));
      const auto check = [&](const nlohmann::json& object, const Provenance& provenance,
                             const std::string& where) {
        for (const auto& [key, value] : object.items()) {
          if (key == "name" || key == "source" || key == "notes" || key == "provenance" ||
              key == "stages")
            continue;
          const auto it = provenance.find(key);
          QVERIFY2(it != provenance.end(), (where + ": no provenance for '" + key + "'").c_str());
          QVERIFY2(!provenance_kind(it->second).empty(), it->second.c_str());
        }
      };
      check(raw, c.provenance, file);
      for (size_t i = 0; i < c.stages.size(); ++i)
        check(raw["stages"][i], c.stages[i].provenance, std::string(file) + " stage " + std::to_string(i + 1));
    }
    nlohmann::json bad = nlohmann::json::parse(glossa::read_file(preset("eeve.json")));
    bad["stages"][0]["provenance"]["peak_lr"] = "somewhere";
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ScheduleConfig::from_json(bad, "bad"));
    bad["stages"][0]["provenance"] = {{"peek_lr", "paper: x"}};
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ScheduleConfig::from_json(bad, "bad"));
  }

  void validationListsEveryProblemBeforeCompute() {
    StageConfig ok;
    ok.trainable = {"all"};
    ok.budget_steps = 10;
    ok.seq_len = 128;
    StageConfig empty = ok, no_budget = ok, beyond = ok, too_long = ok, batch = ok, tied = ok;
    empty.name = "empty";
    empty.trainable.clear();
    no_budget.name = "no budget";
    no_budget.budget_steps = 0;
    beyond.name = "beyond";
    beyond.trainable = {"layers.40"};
    too_long.name = "too long";
    too_long.seq_len = 8192;
    batch.name = "batch";
    batch.micro_batch = 0;
    batch.grad_accum = -1;
    tied.name = "tied";
    tied.trainable = {"lm_head.new"};
    ScheduleConfig c;
    c.name = "bad";
    c.stages = {ok, empty, no_budget, beyond, too_long, batch, tied};
    ModelConfig model = tiny_model(22, 40, true);
    model.max_position_embeddings = 2048;
    const QString e = error_of([&] { validate(c, model, 32, llama_names(22, true)); });
    QVERIFY2(e.contains("stage 2 'empty': nothing trainable"), qPrintable(e));
    QVERIFY2(e.contains("stage 3 'no budget'") && e.contains("budget_steps or budget_tokens"),
             qPrintable(e));
    QVERIFY2(e.contains("stage 4 'beyond'") && e.contains("layers.40") && e.contains("0-21"),
             qPrintable(e));
    QVERIFY2(e.contains("seq_len 8192") && e.contains("max_position_embeddings 2048"),
             qPrintable(e));
    QVERIFY2(e.contains("micro_batch must be > 0") && e.contains("grad_accum must be > 0"),
             qPrintable(e));
    QVERIFY2(e.contains("stage 7 'tied'") && e.contains("tie_word_embeddings"), qPrintable(e));
    QVERIFY2(!e.contains("stage 1"), qPrintable(e));
    qInfo("%s", qPrintable(e));
    QVERIFY2(e.startsWith("7 problem(s)"), qPrintable(e));  // batch: two
    // The model's tie flag must agree with its tensor names.
    QVERIFY(error_of([&] {
              validate(c, model, 32, llama_names(22, false));
            }).contains("lm_head.weight"));
  }

  void warmupMustEndBeforeTheBudget() {
    StageConfig s;
    s.trainable = {"all"};
    s.budget_steps = 10;
    s.warmup_steps = 10;
    s.seq_len = 16;
    ScheduleConfig c;
    c.stages = {s};
    const QString e = error_of([&] { validate(c, tiny_model(1, 8), 8, llama_names(1, false)); });
    QVERIFY2(e.contains("warmup_steps (10)"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestStageConfig)
#include "test_stage_config.moc"
