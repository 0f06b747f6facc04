// ctest-labels: unit
// Parameter groups split a Llama model into named parts (old/new embedding rows, per-layer
// attention / MLP / norms) and selectors pick them by name, range and parity.
#include <QtTest>

#include "support/test_support.h"
#include "support/llama_names.h"
#include "base/error.h"
#include "training/config/param_groups.h"

using glossa::ParamGroups;

namespace {

using glossa::test::llama_names;

using glossa::test::error_of;

using Names = std::vector<std::string>;

}  // namespace

class TestParamGroups : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void embeddingRowsSplitAtTheBaseVocabulary() {
    const ParamGroups g = ParamGroups::build(llama_names(2, false), 12, 8);
    QVERIFY(!g.tied());
    QCOMPARE(g.layer_count(), int64_t(2));
    const auto& old_rows = g.group("embed.old").slices;
    const auto& new_rows = g.group("lm_head.new").slices;
    QCOMPARE(old_rows.size(), size_t(1));
    QCOMPARE(old_rows[0].key(), std::string("model.embed_tokens.weight[0:8]"));
    QCOMPARE(new_rows[0].key(), std::string("lm_head.weight[8:12]"));
    QCOMPARE(g.group("layers.1.attn").slices.size(), size_t(4));
    QCOMPARE(g.group("layers.0.mlp").slices[2].key(),
             std::string("model.layers.0.mlp.down_proj.weight"));
    QVERIFY(g.group("layers.0.norms").is_norm && g.group("final_norm").is_norm);
    QVERIFY(g.group("embed.new").is_embedding && !g.group("layers.0.attn").is_embedding);
    // Every tensor row is in exactly one group: count whole tensors and embedding rows.
    size_t whole = 0;
    for (const auto& grp : g.groups())
      for (const auto& s : grp.slices) whole += s.whole ? 1 : 0;
    QCOMPARE(whole, llama_names(2, false).size() - 2);
  }

  void selectorsPickGroupsByNameRangeAndParity() {
    const ParamGroups g = ParamGroups::build(llama_names(4, false), 12, 8);
    QCOMPARE(g.resolve("layers.odd"), (Names{"layers.1.attn", "layers.1.mlp", "layers.1.norms",
                                             "layers.3.attn", "layers.3.mlp", "layers.3.norms"}));
    QCOMPARE(g.resolve("layers.even.mlp"), (Names{"layers.0.mlp", "layers.2.mlp"}));
    QCOMPARE(g.resolve("layers.1-2.attn"), (Names{"layers.1.attn", "layers.2.attn"}));
    QCOMPARE(g.resolve("layers.3"), (Names{"layers.3.attn", "layers.3.mlp", "layers.3.norms"}));
    QCOMPARE(g.resolve("layers.all.norms").size(), size_t(4));
    QCOMPARE(g.resolve("embed"), (Names{"embed.old", "embed.new"}));
    QCOMPARE(g.resolve("lm_head.old"), (Names{"lm_head.old"}));
    QCOMPARE(g.resolve("all").size(), size_t(4 + 3 * 4 + 1));
  }

  void selectorsMatchingNothingAreRefusedWithAReason() {
    const ParamGroups g = ParamGroups::build(llama_names(22, false), 32000, 32000);
    const QString beyond = error_of([&] { g.resolve("layers.40"); });
    QVERIFY2(beyond.contains("layers.40") && beyond.contains("0-21"), qPrintable(beyond));
    QVERIFY(error_of([&] { g.resolve("layers.20-22.mlp"); }).contains("0-21"));
    const QString no_new = error_of([&] { g.resolve("embed.new"); });
    QVERIFY2(no_new.contains("base vocabulary"), qPrintable(no_new));
    QVERIFY(error_of([&] { g.resolve("embeddings"); }).contains("not a group"));
    QVERIFY(error_of([&] { g.resolve("layers.5-2"); }).contains("backwards"));
    QCOMPARE(g.resolve("embed"), (Names{"embed.old"}));  // no new rows: only old
  }

  void tiedHeadGroupsAliasEmbeddingRows() {
    const ParamGroups g = ParamGroups::build(llama_names(1, true), 10, 6);
    QVERIFY(g.tied());
    QCOMPARE(g.group("lm_head.new").slices[0], g.group("embed.new").slices[0]);
    QCOMPARE(g.group("lm_head.old").slices[0].tensor, std::string("model.embed_tokens.weight"));
  }

  void unknownTensorsAndBadVocabularySizesAreRefused() {
    Names names = llama_names(1, false);
    names.push_back("model.layers.0.self_attn.q_proj.bias");
    QVERIFY(error_of([&] { ParamGroups::build(names, 10, 10); }).isEmpty());  // self_attn.* is attn
    names.push_back("model.vision_tower.weight");
    QVERIFY(
        error_of([&] { ParamGroups::build(names, 10, 10); }).contains("model.vision_tower.weight"));
    QVERIFY(error_of([&] {
              ParamGroups::build(llama_names(1, false), 10, 11);
            }).contains("base vocabulary"));
  }
};

QTEST_GUILESS_MAIN(TestParamGroups)
#include "test_param_groups.moc"
