// ctest-labels: unit data
// llama2.c's tok512.bin becomes the SentencePiece BPE model it was exported from: the Python
// sentencepiece package loads it and encodes like llama2.c's own `encode` (run.c, re-implemented
// in tests/python/llama2c_reference.py), and it decodes stories260K's greedy story.
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "tokenizer/spm/llama2c_tokenizer.h"
#include "tokenizer/spm/sp_processor.h"

using glossa::PieceType;
using glossa::SpModel;
using nlohmann::json;

namespace {

const char* kTok512 = "models/stories260K/tok512.bin";
const char* kStories = "models/stories260K/stories260K.bin";
const char* kLily = "Once upon a time, there was a little girl named Lily.";

// Runs tests/python/llama2c_reference.py and parses its stdout as JSON.
json reference(const QString& py, const QStringList& args) {
  const auto r =
      glossa::test::run(py, QStringList{glossa::test::pythonScript("llama2c_reference.py")} + args);
  if (!r.finished || r.exit_code != 0) {
    qWarning("%s", r.err.constData());
    return nullptr;
  }
  return json::parse(r.out.toStdString());
}

QString writeJson(const QTemporaryDir& dir, const char* name, const json& value) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString()) << value.dump();
  return path;
}

// A llama2.c tokenizer file: max_token_length, then (score, length, bytes) per token.
void writeVocab(const QString& path, const std::vector<std::string>& tokens, int cut_bytes = 0,
                int bad_length_at = -1) {
  std::string bytes(4, '\0');
  int32_t max_len = 0;
  for (const auto& t : tokens) max_len = std::max<int32_t>(max_len, int32_t(t.size()));
  std::memcpy(bytes.data(), &max_len, 4);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const float score = -float(i);
    const int32_t length = int(i) == bad_length_at ? -5 : int32_t(tokens[i].size());
    bytes.append(reinterpret_cast<const char*>(&score), 4);
    bytes.append(reinterpret_cast<const char*>(&length), 4);
    bytes += tokens[i];
  }
  bytes.resize(bytes.size() - cut_bytes);
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

void expectError(const std::function<void()>& f, const QStringList& parts) {
  try {
    f();
    QFAIL("no error");
  } catch (const glossa::Error& e) {
    for (const QString& part : parts) QVERIFY2(QString(e.what()).contains(part), e.what());
  }
}

}  // namespace

class TestLlama2cTokenizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void piecesKeepIdsScoresAndGetSentencePieceTypes() {
    GLOSSA_REQUIRE_SHARED(tok, kTok512);
    const glossa::Llama2cVocab vocab = glossa::read_llama2c_vocab(tok.toStdString());
    QCOMPARE(vocab.tokens.size(), size_t(512));
    QCOMPARE(vocab.max_token_length, 7);
    const SpModel model = glossa::load_llama2c_tokenizer(tok.toStdString());
    QCOMPARE(model.size(), 512);
    QCOMPARE(model.piece(0).piece, std::string("<unk>"));
    QCOMPARE(model.piece(0).type, PieceType::kUnknown);
    QCOMPARE(model.piece(1).piece, std::string("<s>"));
    QCOMPARE(model.piece(1).type, PieceType::kControl);
    QCOMPARE(model.piece(2).piece, std::string("</s>"));
    QCOMPARE(model.piece(2).type, PieceType::kControl);
    QCOMPARE(model.piece(3).piece, std::string("<0x00>"));
    QCOMPARE(model.piece(3 + 0x0A).type, PieceType::kByte);
    QCOMPARE(model.piece(258).piece, std::string("<0xFF>"));
    for (int id = 0; id < 512; ++id) {
      QVERIFY(std::memcmp(&model.piece(id).score, &vocab.scores[id], 4) == 0);
      if (id >= 259) {
        QCOMPARE(model.piece(id).type, PieceType::kNormal);
        QVERIFY2(model.piece(id).piece.find(' ') == std::string::npos,
                 model.piece(id).piece.c_str());
      }
    }
    QCOMPARE(model.piece(259).piece, std::string("\xE2\x96\x81t"));  // " t" in the .bin
    const auto s = model.settings();
    QCOMPARE(s.model_type, glossa::SpModelType::kBpe);
    QVERIFY(s.byte_fallback);
    QCOMPARE(s.normalizer_name, std::string("identity"));
    QVERIFY(s.add_dummy_prefix);
    QVERIFY(!s.remove_extra_whitespaces);
    QCOMPARE(s.unk_id, 0);
    QCOMPARE(s.bos_id, 1);
    QCOMPARE(s.eos_id, 2);
  }

  void pythonSentencePieceEncodesLikeLlama2cEncode() {
    GLOSSA_REQUIRE_SHARED(tok, kTok512);
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const QString model_path = dir.filePath("tok512.model");
    glossa::load_llama2c_tokenizer(tok.toStdString()).save(model_path.toStdString());
    const std::vector<std::string> texts = {
        kLily,
        "Tom and Sue  went\tto the park.\nThey played!",
        "  two leading spaces",
        "trailing  ",
        "12345 apples, 6 pears",
        "caf\xC3\xA9 na\xC3\xAFve \xE2\x84\xA2 \xE2\x98\x83",
        "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xE6\x97\xA5\xE6\x9C\xAC"};  // Hangul, kanji: bytes
    const QString texts_path = writeJson(dir, "texts.json", texts);
    const json llama2c = reference(py, {"encode", tok, texts_path});
    const json sp = reference(py, {"sp", model_path, texts_path, writeJson(dir, "ids.json", {1})});
    QVERIFY(llama2c.is_array() && sp.is_object());
    QCOMPARE(sp["pieces"].get<int>(), 512);
    QCOMPARE(sp["bos"].get<int>(), 1);
    QCOMPARE(sp["eos"].get<int>(), 2);
    QCOMPARE(sp["unk"].get<int>(), 0);
    const auto glossa_sp = glossa::SpProcessor::load(model_path.toStdString());
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int> expected = llama2c[i].get<std::vector<int>>();
      QCOMPARE(expected.front(), 1);  // llama2.c's encode adds BOS; SentencePiece does not
      expected.erase(expected.begin());
      QVERIFY2(sp["encode"][i].get<std::vector<int>>() == expected, texts[i].c_str());
      QVERIFY2(glossa_sp->encode(texts[i]) == expected, texts[i].c_str());
    }
    // The ids of the first sentence, as run.c prints them for this prompt.
    const std::vector<int> lily = {403, 407, 261, 378, 432, 383, 286, 261,
                                   376, 298, 315, 421, 395, 317, 426};
    QVERIFY(glossa_sp->encode(kLily) == lily);
  }

  void decodesStories260KGreedyStory() {
    GLOSSA_REQUIRE_SHARED(tok, kTok512);
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const QString model_path = dir.filePath("tok512.model");
    glossa::load_llama2c_tokenizer(tok.toStdString()).save(model_path.toStdString());
    const json ids = reference(py, {"generate", bin, "64"});  // run.c greedy, BOS first
    QVERIFY(ids.is_array() && ids.size() > 20);
    const QString ids_path = writeJson(dir, "ids.json", ids);
    const std::string llama2c_text = reference(py, {"decode", tok, ids_path}).get<std::string>();
    const json sp =
        reference(py, {"sp", model_path, writeJson(dir, "t.json", json::array()), ids_path});
    const auto glossa_sp = glossa::SpProcessor::load(model_path.toStdString());
    std::string glossa_text;
    QVERIFY(glossa_sp->raw().Decode(ids.get<std::vector<int>>(), &glossa_text).ok());
    QVERIFY2(glossa_text.rfind(kLily, 0) == 0, glossa_text.c_str());
    QCOMPARE(glossa_text, llama2c_text);
    QCOMPARE(sp["decode"].get<std::string>(), llama2c_text);
  }

  void brokenFilesNameTheFileAndToken() {
    QTemporaryDir dir;
    const QString path = dir.filePath("tok.bin");
    std::vector<std::string> tokens = {"<unk>", "\n<s>\n", "\n</s>\n", " a", "b"};
    writeVocab(path, tokens, /*cut_bytes=*/1);
    expectError([&] { glossa::read_llama2c_vocab(path.toStdString()); },
                {path, "token 4", "runs past the end"});
    writeVocab(path, tokens, 0, /*bad_length_at=*/3);
    expectError([&] { glossa::read_llama2c_vocab(path.toStdString()); },
                {path, "token 3", "negative length"});
    writeVocab(path, tokens, 6);  // cuts inside token 4's score and length
    expectError([&] { glossa::read_llama2c_vocab(path.toStdString()); }, {"token 4", "truncated"});
    writeVocab(path, {"x", " a", "b"});
    expectError([&] { glossa::load_llama2c_tokenizer(path.toStdString()); }, {path, "<unk>"});
    writeVocab(path, {"<unk>", "<0x00>", "<0x01>", " a"});
    expectError([&] { glossa::load_llama2c_tokenizer(path.toStdString()); },
                {path, "2 of the 256 byte tokens"});
    writeVocab(path, {"<unk>", " a", "b", " a"});
    expectError([&] { glossa::load_llama2c_tokenizer(path.toStdString()); },
                {path, "token 3", "appears twice"});
    writeVocab(path, tokens);  // a complete small vocabulary without byte fallback loads
    const SpModel small = glossa::load_llama2c_tokenizer(path.toStdString());
    QCOMPARE(small.size(), 5);
    QVERIFY(!small.settings().byte_fallback);
  }
};

QTEST_GUILESS_MAIN(TestLlama2cTokenizer)
#include "test_llama2c_tokenizer.moc"
