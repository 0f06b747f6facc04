#include "training/data/request_file.h"

#include <algorithm>
#include <fstream>

#include "base/error.h"

namespace glossa {

namespace {
constexpr const char* kFormat = "glossa-benchmark-requests";
constexpr int kVersion = 1;

// Value of a required key with the type T; errors name the file, line and key.
template <typename T>
T required(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end()) fail(where, std::string("missing key '") + key + "'");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("key '") + key + "' has the wrong type: " + e.what());
  }
}

std::vector<int32_t> token_ids(const nlohmann::json& j, const char* key, int64_t vocab_size,
                               const std::string& where) {
  const auto ids = required<std::vector<int64_t>>(j, key, where);
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (const int64_t id : ids) {
    if (id < 0 || id >= vocab_size)
      fail(where, std::string("'") + key + "' holds token id " + std::to_string(id) +
                      " outside [0, " + std::to_string(vocab_size) +
                      "): the file was prepared with another tokenizer");
    out.push_back(int32_t(id));
  }
  return out;
}

void read_header(RequestFile* f, const nlohmann::json& h, const std::string& where) {
  if (required<std::string>(h, "format", where) != kFormat)
    fail(where, std::string("not a benchmark request file (format should be \"") + kFormat +
                    "\"); write one with `glossa-cli bench prepare`");
  const int version = required<int>(h, "version", where);
  if (version != kVersion)
    fail(where, "request file version " + std::to_string(version) + ", this build reads " +
                    std::to_string(kVersion) + ": prepare it again");
  f->task = required<std::string>(h, "task", where);
  f->group = required<std::string>(h, "group", where);
  f->metrics = required<std::vector<std::string>>(h, "metrics", where);
  f->bos = required<bool>(h, "bos", where);
  f->tokenizer_fingerprint = required<std::string>(h, "tokenizer_fingerprint", where);
  f->vocab_size = required<int64_t>(h, "vocab_size", where);
  if (f->vocab_size <= 0) fail(where, "'vocab_size' must be positive");
  for (const auto& m : f->metrics)
    if (m != "acc" && m != "acc_norm" && m != "f1")
      fail(where, "unknown metric \"" + m + "\" (acc, acc_norm, f1)");
  f->header = h;
}

McRequestDoc read_doc(const nlohmann::json& j, int64_t vocab_size, const std::string& where) {
  McRequestDoc d;
  d.doc = required<int64_t>(j, "doc", where);
  d.gold = required<int64_t>(j, "gold", where);
  d.choice_chars = required<std::vector<int64_t>>(j, "choice_chars", where);
  const auto it = j.find("requests");
  if (it == j.end() || !it->is_array()) fail(where, "missing key 'requests' (an array)");
  for (const auto& r : *it) {
    McRequest req;
    req.context = token_ids(r, "context", vocab_size, where);
    req.continuation = token_ids(r, "continuation", vocab_size, where);
    if (req.context.empty() || req.continuation.empty())
      fail(where, "choice " + std::to_string(d.choices.size()) +
                      " has an empty context or continuation (nothing to condition on or score)");
    d.choices.push_back(std::move(req));
  }
  if (d.choices.size() < 2) fail(where, "a document needs at least two choices");
  if (d.choice_chars.size() != d.choices.size())
    fail(where, "'choice_chars' has " + std::to_string(d.choice_chars.size()) + " entries for " +
                    std::to_string(d.choices.size()) + " choices");
  if (d.gold < 0 || d.gold >= int64_t(d.choices.size()))
    fail(where, "gold " + std::to_string(d.gold) + " is not a choice index 0.." +
                    std::to_string(d.choices.size() - 1));
  return d;
}
}  // namespace

int64_t RequestFile::request_count() const {
  int64_t n = 0;
  for (const auto& d : docs) n += int64_t(d.choices.size());
  return n;
}

int64_t RequestFile::max_sequence_length() const {
  size_t longest = 0;
  for (const auto& d : docs)
    for (const auto& r : d.choices)
      longest = std::max(longest, r.context.size() + r.continuation.size());
  return int64_t(longest);
}

RequestFile RequestFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the request file");
  RequestFile f;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where = path + ", line " + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail(where, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(where, "expected a JSON object");
    if (f.header.is_null())
      read_header(&f, j, where);
    else
      f.docs.push_back(read_doc(j, f.vocab_size, where));
  }
  if (f.header.is_null()) fail(path, "empty request file (no header line)");
  const int64_t documents = required<int64_t>(f.header, "documents", path + ", line 1");
  if (documents != int64_t(f.docs.size()))
    fail(path, "the header announces " + std::to_string(documents) + " documents, the file has " +
                   std::to_string(f.docs.size()) + " (truncated?)");
  return f;
}

void check_request_file(const RequestFile& file, const std::string& where, int64_t model_vocab_size,
                        const std::string& tokenizer_fingerprint) {
  if (file.vocab_size > model_vocab_size)
    fail(where, "prepared with a tokenizer of " + std::to_string(file.vocab_size) +
                    " pieces, but the model has only " + std::to_string(model_vocab_size) +
                    " embedding rows; prepare the requests with the model's tokenizer");
  if (!tokenizer_fingerprint.empty() && file.tokenizer_fingerprint != tokenizer_fingerprint)
    fail(where, "prepared with the tokenizer of fingerprint " + file.tokenizer_fingerprint +
                    ", not with the given tokenizer (" + tokenizer_fingerprint +
                    "); run glossa-cli bench prepare again with the run's tokenizer");
}

}  // namespace glossa
