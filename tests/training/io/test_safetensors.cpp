// ctest-labels: unit
// safetensors files: byte-identical to Python's safetensors library both ways, every dtype Glossa
// stores, sharded checkpoints, and an error naming file and tensor for each broken-file case;
// the streaming writer (tensors in any order, from meta specifications) writes the same bytes;
// mapped tensors equal loaded ones and keep their writes private.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "training/io/safetensors.h"
#include "training/io/safetensors_checkpoint.h"
#include "training/io/safetensors_writer.h"

using namespace glossa;

namespace {

// The tensors tests/python/hf_llama_reference.py recipe() builds, by the same operations.
NamedTensors recipe() {
  const auto base = torch::arange(15, torch::kFloat32).reshape({3, 5}) * 0.37 - 2.0;
  const auto ints = torch::arange(15, torch::kInt64).reshape({3, 5}) * 7919 - 50000;
  return {{"t_f32", base},
          {"t_f16", base.to(torch::kFloat16)},
          {"t_bf16", base.to(torch::kBFloat16)},
          {"t_i64", ints * 1000003},
          {"t_i32", ints.to(torch::kInt32)},
          {"scalar", torch::tensor(3.5f)},
          {"empty", torch::zeros({0, 4})}};
}

// Writes an 8-byte little-endian header length, the header, then `data` bytes.
void craft(const std::string& path, const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  std::ofstream(path, std::ios::binary) << bytes << header << data;
}

using glossa::test::error_of;

#define EXPECT_ERROR(call, ...)                                                 \
  do {                                                                          \
    const QString message = error_of([&] { call; });                            \
    QVERIFY2(!message.isEmpty(), "no error from " #call);                       \
    for (const char* part : {__VA_ARGS__})                                      \
      QVERIFY2(message.contains(QString::fromUtf8(part)), qPrintable(message)); \
  } while (0)

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void bytesIdenticalToPythonBothWays() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string cpp = dir.filePath("cpp.safetensors").toStdString();
    const std::string python = dir.filePath("py.safetensors").toStdString();
    save_safetensors(cpp, recipe());
    const auto r =
        glossa::test::run(py, {glossa::test::pythonScript("hf_llama_reference.py"), "st",
                               QString::fromStdString(cpp), QString::fromStdString(python)});
    QVERIFY2(r.finished && r.exit_code == 0, r.err.constData());
    QCOMPARE(nlohmann::json::parse(r.out.toStdString())["mismatches"], nlohmann::json::array());

    // Python's file read by Glossa: same names, dtypes and values.
    SafetensorsReader reader(python);
    QCOMPARE(reader.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
    const auto want = recipe();
    QCOMPARE(reader.names().size(), want.size());
    for (const auto& [name, tensor] : want) {
      const torch::Tensor got = reader.tensor(name);
      QCOMPARE(got.scalar_type(), tensor.scalar_type());
      QCOMPARE(got.sizes().vec(), tensor.sizes().vec());
      QVERIFY2(torch::equal(got, tensor), name.c_str());
    }
    QCOMPARE(read_file(cpp), read_file(python));  // Glossa writes what Python writes
    // Load -> save is bit-exact.
    const std::string again = dir.filePath("again.safetensors").toStdString();
    save_safetensors(again, load_safetensors(python), reader.metadata());
    QCOMPARE(read_file(again), read_file(python));
  }

  void convertsOnRequest() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.safetensors").toStdString();
    save_safetensors(path, recipe());
    SafetensorsReader reader(path);
    const auto bf16 = reader.tensor("t_bf16", torch::kFloat32);
    QCOMPARE(bf16.scalar_type(), torch::kFloat32);
    QVERIFY(torch::equal(bf16, recipe()[2].second.to(torch::kFloat32)));
    QCOMPARE(reader.entry("t_f16").dtype, std::string("F16"));
    QCOMPARE(reader.tensor("scalar").dim(), int64_t(0));
  }

  void shardedCheckpointRoundTrips() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const auto tensors = recipe();
    const auto result = save_safetensors_checkpoint(d, tensors, 64);
    QVERIFY(result.files.size() > 2);
    QCOMPARE(result.files.back(), std::string(kSafetensorsIndexFile));
    QCOMPARE(result.files.front(), std::string("model-00001-of-0000") +
                                       std::to_string(result.files.size() - 1) + ".safetensors");
    const auto index = nlohmann::json::parse(read_file(d + "/" + kSafetensorsIndexFile));
    QCOMPARE(index["metadata"]["total_size"].get<uint64_t>(), result.total_bytes);
    const SafetensorsCheckpoint checkpoint(d);
    QVERIFY(checkpoint.sharded());
    QCOMPARE(checkpoint.names().size(), tensors.size());
    for (const auto& [name, tensor] : tensors)
      QVERIFY(torch::equal(checkpoint.tensor(name), tensor));
    // A later unsharded save removes the shards and the index.
    save_safetensors_checkpoint(d, tensors, 0);
    QVERIFY(!std::filesystem::exists(d + "/" + kSafetensorsIndexFile));
    QVERIFY(!std::filesystem::exists(d + "/" + result.files.front()));
    QVERIFY(!SafetensorsCheckpoint(d).sharded());
  }

  void streamingWriterWritesTheSameBytesInAnyOrder() {
    QTemporaryDir dir;
    const std::string whole = dir.filePath("whole.safetensors").toStdString();
    const std::string streamed = dir.filePath("streamed.safetensors").toStdString();
    const NamedTensors tensors = recipe();
    save_safetensors(whole, tensors);
    NamedTensors specs;  // shapes and dtypes only
    for (const auto& [name, t] : tensors)
      specs.emplace_back(name, torch::empty(t.sizes(), t.options().device(torch::kMeta)));
    {
      SafetensorsWriter writer(streamed, specs);
      for (auto it = tensors.rbegin(); it != tensors.rend(); ++it)
        writer.write(it->first, it->second);
      QVERIFY(!QFile::exists(QString::fromStdString(streamed)));  // not before finish()
      writer.finish();
    }
    QCOMPARE(read_file(streamed), read_file(whole));
  }

  void mappedTensorsEqualLoadedOnesAndWritesStayPrivate() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("mapped.safetensors").toStdString();
    save_safetensors(p, recipe());
    const std::string before = read_file(p);
    torch::Tensor kept;
    {
      const NamedTensors mapped = map_safetensors(p), loaded = load_safetensors(p);
      QCOMPARE(mapped.size(), loaded.size());
      for (size_t i = 0; i < mapped.size(); ++i) {
        QCOMPARE(mapped[i].first, loaded[i].first);
        QVERIFY2(torch::equal(mapped[i].second, loaded[i].second), mapped[i].first.c_str());
        if (mapped[i].first == "t_f32") kept = mapped[i].second;
      }
    }  // the other tensors are gone: the mapping must live on for `kept`
    QVERIFY(torch::equal(kept, recipe()[0].second));
    kept.add_(1.0);  // copy-on-write: the file does not change
    QVERIFY(torch::equal(kept, recipe()[0].second + 1.0));
    QCOMPARE(read_file(p), before);
  }

  void streamingWriterRefusesMistakesAndLeavesNoFile() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("part.safetensors").toStdString();
    const NamedTensors specs = {{"a", torch::zeros({2, 3})}, {"b", torch::zeros({4})}};
    {
      SafetensorsWriter writer(p, specs);
      EXPECT_ERROR(writer.write("c", torch::zeros({4})), "part.safetensors", "\"c\"",
                   "not in the file's header");
      EXPECT_ERROR(writer.write("a", torch::zeros({3, 2})), "\"a\"", "the header says");
      EXPECT_ERROR(writer.write("b", torch::zeros({4}, torch::kFloat64)), "\"b\"", "Double");
      writer.write("a", torch::ones({2, 3}));
      EXPECT_ERROR(writer.write("a", torch::ones({2, 3})), "\"a\"", "written twice");
      EXPECT_ERROR(writer.finish(), "part.safetensors", "\"b\"", "never written");
    }  // unfinished: nothing at the path, no temporary file left
    QVERIFY(!QFile::exists(QString::fromStdString(p)));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
  }

  void brokenFilesNameFileAndTensor() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("bad.safetensors").toStdString();
    const std::string f32x2 = std::string(8, '\1');
    craft(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32x2);
    QVERIFY(torch::equal(SafetensorsReader(p).tensor("a").view(torch::kInt32),
                         torch::full({2}, 0x01010101, torch::kInt32)));

    std::string good = read_file(p);
    good[0] = 'z';  // header length 0x..7a: beyond the file
    std::ofstream(p, std::ios::binary) << good;
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "header length");

    craft(p, R"({"a":{"dtype":"F32",)", f32x2);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "not valid JSON");
    craft(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", f32x2);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "\"a\"", "outside the data area");
    craft(p,
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          std::string(12, '\0'));
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "\"b\"", "overlap", "\"a\"");
    craft(p, R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32x2);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "\"a\"", "12 bytes", "span 8");
    craft(p, R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", f32x2);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "\"a\"", "unknown dtype \"Q4\"");

    // A file cut short: the last tensor's bytes lie beyond the end.
    save_safetensors(p, recipe());
    const std::string whole = read_file(p);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << whole.substr(0, whole.size() - 3);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "outside the data area", "truncated");
    std::ofstream(p, std::ios::binary | std::ios::trunc) << whole.substr(0, 5);
    EXPECT_ERROR(SafetensorsReader{p}, "bad.safetensors", "too short");
    EXPECT_ERROR(SafetensorsReader{p + ".absent"}, "absent", "cannot open");
    EXPECT_ERROR(save_safetensors(p, {{"x", torch::zeros({1})}, {"x", torch::zeros({1})}}), "\"x\"",
                 "twice");
  }

  void brokenShardedCheckpointsNameTheShardOrTensor() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const auto files = save_safetensors_checkpoint(d, recipe(), 64).files;
    const std::string index_path = d + "/" + kSafetensorsIndexFile;
    const auto index = nlohmann::json::parse(read_file(index_path));

    auto edited = index;  // a tensor in a shard that the index does not list
    const std::string dropped = edited["weight_map"].begin().key();
    edited["weight_map"].erase(dropped);
    write_file_atomically(index_path, edited.dump());
    const std::string quoted = "\"" + dropped + "\"";
    EXPECT_ERROR(SafetensorsCheckpoint{d}, quoted.c_str(), "missing from the index");

    edited = index;  // the index lists a tensor that its shard lacks
    edited["weight_map"]["ghost"] = files[0];
    write_file_atomically(index_path, edited.dump());
    EXPECT_ERROR(SafetensorsCheckpoint{d}, files[0].c_str(), "\"ghost\"", "absent from this shard");

    write_file_atomically(index_path, "{\"weight_map\": [");
    EXPECT_ERROR(SafetensorsCheckpoint{d}, kSafetensorsIndexFile, "not valid JSON");

    write_file_atomically(index_path, index.dump());
    std::filesystem::remove(d + "/" + files[1]);
    EXPECT_ERROR(SafetensorsCheckpoint{d}, files[1].c_str(), "missing");

    std::filesystem::remove(index_path);
    for (const auto& f : files) std::filesystem::remove(d + "/" + f);
    EXPECT_ERROR(SafetensorsCheckpoint{d}, "no model.safetensors");
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
