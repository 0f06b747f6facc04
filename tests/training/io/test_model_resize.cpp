// Resizing a model folder to a merged tokenizer (training/io/model_resize.cpp, job model.resize):
// the output loads, old rows are bit-identical, the new rows are exactly what the trainer's own
// resize gives (resize_vocabulary with EEVE's special ids), padding rounds the rows up, and the
// tokenizer files travel with it.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "base/file_util.h"
#include "base/new_token_map.h"
#include "support/test_support.h"
#include "training/api/model_resize_api.h"
#include "training/io/hf_checkpoint.h"
#include "training/model/vocab_resize.h"

using namespace glossa;

namespace {

ModelConfig tiny() {
  ModelConfig c;
  c.vocab_size = 6;
  c.hidden_size = 8;
  c.intermediate_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 2;
  c.max_position_embeddings = 16;
  c.tie_word_embeddings = false;
  c.bos_token_id = 1;
  c.eos_token_id = 2;
  return c;
}

}  // namespace

class TestModelResize : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() {
    torch::manual_seed(3);
    LlamaForCausalLM base(tiny(), ModelInit{torch::kFloat32, torch::kCPU, true});
    save_hf_model(base, path("base"));
    QDir().mkpath(dir_.filePath("tok"));
    write_file_atomically(path("tok/tokenizer.model"), "not read, only copied");
    write_new_token_map(path("tok/new_token_map.jsonl"),
                        {{6, "ab", {3, 4}, {"a", "b"}}, {7, "▁c", {0, 5}, {"▁", "c"}}});
  }

  void newRowsAreTheTrainersAndOldRowsStay() {
    ModelResizeOptions options;
    options.pad_to_multiple = 4;
    const ModelResizeResult r = resize_model_folder(
        path("base"), path("tok"), path("tok/new_token_map.jsonl"), options, path("out"),
        JobControl());
    QCOMPARE(r.base_vocab, int64_t(6));
    QCOMPARE(r.tokens, int64_t(8));
    QCOMPARE(r.rows, int64_t(8));
    QVERIFY(QFile::exists(dir_.filePath("out/tokenizer.model")));
    const LlamaForCausalLM base = load_hf_model(path("base"));
    const LlamaForCausalLM out = load_hf_model(path("out"));
    QCOMPARE(out->config().vocab_size, int64_t(8));
    torch::NoGradGuard no_grad;
    QVERIFY(torch::equal(out->input_embedding().slice(0, 0, 6), base->input_embedding()));
    QVERIFY(torch::equal(out->output_embedding().slice(0, 0, 6), base->output_embedding()));
    // The trainer's resize of the same model (resize_model_vocabulary) gives the same rows.
    LlamaForCausalLM again = load_hf_model(path("base"));
    VocabResizeOptions vo;
    vo.pad_to_multiple = 4;
    resize_model_vocabulary(*again, read_new_token_map(path("tok/new_token_map.jsonl")), vo);
    QVERIFY(torch::equal(out->input_embedding(), again->input_embedding()));
    QVERIFY(torch::equal(out->output_embedding(), again->output_embedding()));
    // EEVE: the input row of "ab" is the mean of a's and b's rows.
    const torch::Tensor mean = base->input_embedding().index_select(0, torch::tensor({3, 4})).mean(0);
    QVERIFY(torch::allclose(out->input_embedding()[6], mean));
  }

  void aMapWithoutNewTokensIsRefused() {
    write_file_atomically(path("empty_map.jsonl"), "");
    const QString e = glossa::test::error_of([&] {
      resize_model_folder(path("base"), path("tok"), path("empty_map.jsonl"), {}, path("out2"),
                          JobControl());
    });
    QVERIFY2(e.contains("no new tokens"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestModelResize)
#include "test_model_resize.moc"
