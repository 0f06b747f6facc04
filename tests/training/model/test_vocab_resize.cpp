// ctest-labels: unit
// Vocabulary resize: EEVE's subword init on a hand-computed case, old rows bit-identical,
// padding, map errors, and transformers' mean resizing (mean and mean + 1e-9 covariance noise).
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "training/model/vocab_resize.h"

using namespace glossa;

namespace {

const std::string kSpace = "\xE2\x96\x81";

NewTokenEntry row(int64_t id, std::vector<int64_t> ids, std::vector<std::string> pieces) {
  return NewTokenEntry{id, "p" + std::to_string(id), std::move(ids), std::move(pieces)};
}

// Base vocabulary 0 "▁", 1 "<unk>" (also listed as special id), 2 "b", 3 "<0xEB>".
std::vector<NewTokenEntry> hand_map() {
  return {row(4, {0, 2}, {kSpace, "b"}),        // output skips the bare ▁ -> row 2
          row(5, {1, 3}, {"<unk>", "<0xEB>"}),  // skips <unk>, a byte piece counts -> row 3
          row(6, {0, 0}, {kSpace, kSpace}),     // nothing usable -> mean of old head rows
          row(7, {1, 1}, {"x", "x"})};          // id 1 declared special -> mean
}

using glossa::test::error_of;

void write_f32(const QString& path, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(static_cast<const char*>(c.data_ptr()), c.numel() * 4);
}

torch::Tensor vec(const nlohmann::json& j) { return torch::tensor(j.get<std::vector<float>>()); }

}  // namespace

class TestVocabResize : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void eeveInitOnAHandComputedMatrix() {
    const torch::Tensor embed =
        torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}).view({4, 2});
    const torch::Tensor head = embed * 10;
    VocabResizeOptions o;
    o.pad_to_multiple = 3;
    o.special_ids = {1};
    const ResizedVocabulary r = resize_vocabulary(embed, head, 8, hand_map(), o);
    QCOMPARE(r.rows, int64_t(9));
    QCOMPARE(r.token_count, int64_t(8));
    QVERIFY(torch::equal(r.embed.narrow(0, 0, 4), embed));
    QVERIFY(torch::equal(r.head.narrow(0, 0, 4), head));
    const torch::Tensor expected_embed =
        torch::tensor({3.f, 4.f, 5.f, 6.f, 1.f, 2.f, 3.f, 4.f, 4.f, 5.f}).view({5, 2});
    const torch::Tensor expected_head =
        torch::tensor({50.f, 60.f, 70.f, 80.f, 40.f, 50.f, 40.f, 50.f, 40.f, 50.f}).view({5, 2});
    QVERIFY2(torch::allclose(r.embed.narrow(0, 4, 5), expected_embed), c10::str(r.embed).c_str());
    QVERIFY2(torch::allclose(r.head.narrow(0, 4, 5), expected_head), c10::str(r.head).c_str());
  }

  // RedWhale's token decomposition: the head row is the mean of the pieces' head rows too (the
  // same pieces and matrix as the EEVE case above; the input rows are EEVE's).
  void decompositionInitAveragesThePiecesInBothMatrices() {
    const torch::Tensor embed =
        torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}).view({4, 2});
    const torch::Tensor head = embed * 10;
    VocabResizeOptions o;
    o.init = NewRowInit::kDecomposition;
    o.special_ids = {1};
    const ResizedVocabulary eeve = resize_vocabulary(embed, head, 8, hand_map(), {});
    const ResizedVocabulary r = resize_vocabulary(embed, head, 8, hand_map(), o);
    QVERIFY(torch::equal(r.embed, eeve.embed));
    QVERIFY(torch::allclose(r.head.narrow(0, 4, 4), r.embed.narrow(0, 4, 4) * 10));
    QVERIFY(torch::equal(r.head.narrow(0, 0, 4), head));
    QCOMPARE(new_row_init_from_string("decomposition", "test"), NewRowInit::kDecomposition);
  }

  void tiedModelsGrowOnlyTheEmbeddingAndOldRowsKeepTheirBits() {
    torch::manual_seed(1);
    const torch::Tensor embed = torch::randn({4, 3}).to(torch::kBFloat16);
    const ResizedVocabulary r = resize_vocabulary(embed, torch::Tensor(), 8, hand_map(), {});
    QVERIFY(!r.head.defined());
    QCOMPARE(r.embed.scalar_type(), torch::kBFloat16);
    QVERIFY(torch::equal(r.embed.narrow(0, 0, 4), embed));
    const torch::Tensor expect =
        embed.to(torch::kFloat32).index_select(0, torch::tensor({0, 2})).mean(0);
    QVERIFY(torch::equal(r.embed[4], expect.to(torch::kBFloat16)));
  }

  void badMapsAreRefusedWithTheOffendingId() {
    const torch::Tensor m = torch::zeros({4, 2});
    auto map = hand_map();
    map.back().id = 9;
    QVERIFY(error_of([&] { resize_vocabulary(m, m, 8, map, {}); }).contains("id 9"));
    map = hand_map();
    map[1].base_ids[1] = 4;
    QVERIFY(error_of([&] { resize_vocabulary(m, m, 8, map, {}); }).contains("base id 4"));
    map = hand_map();
    map.erase(map.begin() + 2);
    const QString missing = error_of([&] { resize_vocabulary(m, m, 8, map, {}); });
    QVERIFY2(missing.contains("first missing id: 6"), qPrintable(missing));
    QVERIFY(error_of([&] { resize_vocabulary(m, m, 3, {}, {}); }).contains("smaller"));
    QVERIFY(error_of([&] {
              resize_vocabulary(m, torch::zeros({4, 3}), 8, hand_map(), {});
            }).contains("shape"));
    VocabResizeOptions mean;
    mean.init = NewRowInit::kMean;
    QCOMPARE(resize_vocabulary(m, m, 8, {}, mean).rows, int64_t(8));  // mean needs no map
  }

  void meanAndMeanNoiseMatchTransformersMeanResizing() {
    GLOSSA_REQUIRE_PYTHON(py);
    torch::manual_seed(2);
    const int64_t v = 64, c = 8, new_v = 64 + 512;
    const torch::Tensor embed = torch::randn({v, c}) + 0.3;
    const torch::Tensor head = torch::randn({v, c}) * 0.5 - 0.2;
    QTemporaryDir dir;
    write_f32(dir.filePath("embed.f32"), embed);
    write_f32(dir.filePath("head.f32"), head);
    const auto r = glossa::test::run(py, {glossa::test::pythonScript("vocab_resize_reference.py"),
                                          dir.path(), "64", "8", QString::number(new_v)});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const auto ref = nlohmann::json::parse(r.out.toStdString());
    QVERIFY(ref["embed_old_rows_unchanged"].get<bool>());

    VocabResizeOptions o;
    o.init = NewRowInit::kMean;
    const ResizedVocabulary mean = resize_vocabulary(embed, head, new_v, {}, o);
    QVERIFY(torch::allclose(mean.embed[v + 7], vec(ref["embed_old_mean"]), 0, 1e-7));
    QVERIFY(torch::allclose(mean.head[new_v - 1], vec(ref["head_old_mean"]), 0, 1e-7));

    o.init = NewRowInit::kMeanNoise;
    o.seed = 11;
    const ResizedVocabulary noisy = resize_vocabulary(embed, head, new_v, {}, o);
    QVERIFY(torch::equal(noisy.embed.narrow(0, 0, v), embed));
    for (const char* name : {"embed", "head"}) {
      const torch::Tensor old = std::string(name) == "embed" ? embed : head;
      const torch::Tensor rows =
          (std::string(name) == "embed" ? noisy.embed : noisy.head).narrow(0, v, new_v - v);
      const torch::Tensor old_mean = old.mean(0);
      const double rms = (rows - old_mean).pow(2).mean().sqrt().item<double>();
      const double ref_rms = ref[std::string(name) + "_new_rms_dev"].get<double>();
      qInfo("%s new rows: rms deviation from the old mean %.3g (transformers %.3g)", name, rms,
            ref_rms);
      // Noise of std ~ sqrt(1e-9 · var) ≈ 3e-5: same scale as transformers', around the mean.
      QVERIFY2(
          rms > 0.8 * ref_rms && rms < 1.25 * ref_rms,
          qPrintable(QString("%1: rms %2 vs transformers %3").arg(name).arg(rms).arg(ref_rms)));
      QVERIFY(torch::allclose(rows.mean(0), vec(ref[std::string(name) + "_new_mean"]), 0, 1e-5));
    }
  }

  void normalInitHasTheGivenStd() {
    VocabResizeOptions o;
    o.init = NewRowInit::kNormal;
    o.normal_std = 0.02;
    const ResizedVocabulary r =
        resize_vocabulary(torch::ones({4, 64}), torch::Tensor(), 260, {}, o);
    const torch::Tensor rows = r.embed.narrow(0, 4, 256);
    QVERIFY(qAbs(rows.std().item<double>() - 0.02) < 0.002);
    QVERIFY(qAbs(rows.mean().item<double>()) < 0.002);
    QCOMPARE(padded_vocab_rows(32000, 64), int64_t(32000));
    QCOMPARE(padded_vocab_rows(32001, 64), int64_t(32064));
  }
};

QTEST_GUILESS_MAIN(TestVocabResize)
#include "test_vocab_resize.moc"
