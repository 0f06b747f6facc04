// ctest-labels: unit
// A freeze plan lists exactly the slices a stage trains, with decay and lr factors, and refuses
// stages that cannot be honoured with tied embeddings.
#include <QtTest>

#include "support/test_support.h"
#include "support/llama_names.h"
#include "base/error.h"
#include "training/config/freeze_plan.h"

using namespace glossa;

namespace {

using glossa::test::llama_names;

StageConfig stage(std::vector<std::string> trainable, double weight_decay = 0.1) {
  StageConfig s;
  s.name = "test";
  s.trainable = std::move(trainable);
  s.weight_decay = weight_decay;
  return s;
}

using glossa::test::error_of;

}  // namespace

class TestFreezePlan : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void eeveStageFiveTrainsNewInputRowsAndTheWholeHead() {
    const ParamGroups g = ParamGroups::build(llama_names(2, false), 12, 8);
    const FreezePlan plan = build_freeze_plan(stage({"embed.new", "lm_head"}), g);
    QCOMPARE(plan.groups, (std::vector<std::string>{"embed.new", "lm_head.old", "lm_head.new"}));
    QCOMPARE(plan.slices.size(), size_t(3));
    QCOMPARE(plan.slices[0].slice.key(), std::string("model.embed_tokens.weight[8:12]"));
    QCOMPARE(plan.slices[1].slice.key(), std::string("lm_head.weight[0:8]"));
    QCOMPARE(plan.trainable_tensors(),
             (std::vector<std::string>{"model.embed_tokens.weight", "lm_head.weight"}));
    QVERIFY(!plan.trains("model.layers.0.self_attn.q_proj.weight"));
    for (const TrainSlice& s : plan.slices) QVERIFY(!s.decay);  // embeddings: no decay by default
  }

  void weightDecayNeverOnNormsAndOnEmbeddingsOnlyWhenAsked() {
    const ParamGroups g = ParamGroups::build(llama_names(1, false), 12, 8);
    StageConfig s = stage({"all"});
    auto decay_of = [&](const FreezePlan& p, const std::string& group) {
      for (const TrainSlice& t : p.slices)
        if (t.group == group) return t.decay;
      throw std::runtime_error("no slice of " + group);
    };
    FreezePlan plan = build_freeze_plan(s, g);
    QVERIFY(decay_of(plan, "layers.0.attn") && decay_of(plan, "layers.0.mlp"));
    QVERIFY(!decay_of(plan, "layers.0.norms") && !decay_of(plan, "final_norm"));
    QVERIFY(!decay_of(plan, "embed.old") && !decay_of(plan, "lm_head.new"));
    s.decay_embeddings = true;
    plan = build_freeze_plan(s, g);
    QVERIFY(decay_of(plan, "embed.old") && decay_of(plan, "lm_head.new"));
    QVERIFY(!decay_of(plan, "final_norm"));
    plan = build_freeze_plan(stage({"all"}, 0.0), g);
    QVERIFY(!decay_of(plan, "layers.0.attn"));
  }

  void lrMultipliersApplyPerGroupAndConflictsAreRefused() {
    const ParamGroups g = ParamGroups::build(llama_names(4, false), 12, 8);
    StageConfig s = stage({"embed.new", "layers.all"});
    s.lr_multipliers = {{"embed.new", 10.0}, {"layers.odd.attn", 0.5}};
    const FreezePlan plan = build_freeze_plan(s, g);
    for (const TrainSlice& t : plan.slices) {
      const double expected = t.group == "embed.new"                                       ? 10.0
                              : (t.group == "layers.1.attn" || t.group == "layers.3.attn") ? 0.5
                                                                                           : 1.0;
      QCOMPARE(t.lr_multiplier, expected);
    }
    s.lr_multipliers = {{"layers.all", 2.0}, {"layers.odd", 3.0}};
    QVERIFY(error_of([&] { build_freeze_plan(s, g); }).contains("disjoint"));
    s.lr_multipliers = {{"layers.9", 2.0}};
    QVERIFY(error_of([&] { build_freeze_plan(s, g); }).contains("layers.9"));
  }

  void tiedEmbeddingsRefuseTrainingOnlyOneSide() {
    const ParamGroups g = ParamGroups::build(llama_names(1, true), 12, 8);
    const QString e = error_of([&] { build_freeze_plan(stage({"lm_head.new"}), g); });
    QVERIFY2(e.contains("lm_head.new") && e.contains("embed.new") && e.contains("tie"),
             qPrintable(e));
    QVERIFY(!error_of([&] { build_freeze_plan(stage({"embed.new"}), g); }).isEmpty());
    // Both sides: one slice for the shared rows, not two (no double update).
    const FreezePlan plan = build_freeze_plan(stage({"embed.new", "lm_head.new"}), g);
    QCOMPARE(plan.slices.size(), size_t(1));
    QCOMPARE(plan.groups.size(), size_t(2));
  }

  void emptyStageIsRefused() {
    const ParamGroups g = ParamGroups::build(llama_names(1, false), 12, 8);
    QVERIFY(error_of([&] { build_freeze_plan(stage({}), g); }).contains("nothing trainable"));
  }
};

QTEST_GUILESS_MAIN(TestFreezePlan)
#include "test_freeze_plan.moc"
