// Token shards in the Megatron-LM indexed-dataset layout (docs/shards.md):
// PREFIX.bin holds the token ids of all sequences back to back (little endian, one dtype);
// PREFIX.idx holds the header, the size and byte offset of every sequence and the document index.
// Data written here also feeds Megatron-LM, NeMo and GPT-NeoX unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <memory>
#include <string>
#include <vector>

namespace glossa {

class AtomicFile;

// The dtype codes of the .idx header.
enum class TokenDtype : uint8_t {
  kUint8 = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kUint16 = 8,
};

// uint16 when the vocabulary is below 65,536, else int32 (docs/shards.md).
TokenDtype dtype_for_vocab(int64_t vocab_size);
size_t dtype_bytes(TokenDtype dtype);      // bytes per token id
const char* dtype_name(TokenDtype dtype);  // "uint16", "int32", ...
// Throws Error when `code` is no known dtype code.
TokenDtype dtype_from_code(int code, const std::string& where);

// Streams sequences to PREFIX.bin and writes PREFIX.idx at finish(). Both files are written under
// temporary names (PREFIX.bin.partial-<pid>) and renamed into place by finish(), so a crash,
// a cancelled job or a full disk never leaves a half-written shard under the final names.
// Write errors throw Error naming the file and errno's text. Not thread-safe.
class IndexedDatasetWriter {
 public:
  IndexedDatasetWriter(std::string prefix, TokenDtype dtype);
  ~IndexedDatasetWriter();  // removes the temporary files unless finish() succeeded
  IndexedDatasetWriter(const IndexedDatasetWriter&) = delete;
  IndexedDatasetWriter& operator=(const IndexedDatasetWriter&) = delete;

  // One sequence that is a whole document (the usual case). Throws Error when an id does not
  // fit the dtype (e.g. >= 65,536 for uint16).
  void add_document(std::span<const int32_t> ids);
  // A document made of several sequences: add_sequence() each, then end_document().
  void add_sequence(std::span<const int32_t> ids);
  void end_document();

  // Flushes PREFIX.bin, writes PREFIX.idx and renames both into place (.bin first, .idx last:
  // a reader that finds the .idx finds its .bin). Sequences added after the last
  // end_document() form one final document. finish() = close() + commit(); a job writing several
  // files closes them all before committing any, so a failure leaves none of them behind.
  void finish();
  void close();   // writes both files completely under their temporary names
  void commit();  // renames them into place (after close())
  // Removes the temporary files; the writer is unusable afterwards. Safe to call twice.
  void abort();

  const std::string& prefix() const { return prefix_; }
  TokenDtype dtype() const { return dtype_; }
  uint64_t sequences() const { return sizes_.size(); }
  uint64_t documents() const { return doc_index_.size() - 1; }
  uint64_t tokens() const { return tokens_; }

 private:
  std::string index_bytes() const;  // the whole .idx
  void flush_buffer();

  std::string prefix_;
  TokenDtype dtype_;
  std::unique_ptr<AtomicFile> bin_, idx_;  // under temporary names until commit()
  std::vector<char> buffer_;  // pending .bin bytes, written in ~4 MiB blocks
  std::vector<int32_t> sizes_;
  std::vector<int64_t> pointers_;
  std::vector<int64_t> doc_index_{0};
  uint64_t tokens_ = 0;
  int64_t bin_bytes_ = 0;
  bool closed_ = false;
  bool done_ = false;
};

// A memory-mapped, validated indexed dataset. Opening checks the magic, version, dtype code,
// that the .idx size matches its counts, that sizes and pointers are consistent with each other
// and with the .bin size, and that the document index is increasing and ends at N; every failure
// throws Error naming the file and what is wrong. Thread-safe for reading.
class IndexedDatasetReader {
 public:
  explicit IndexedDatasetReader(const std::string& prefix);
  ~IndexedDatasetReader();
  IndexedDatasetReader(const IndexedDatasetReader&) = delete;
  IndexedDatasetReader& operator=(const IndexedDatasetReader&) = delete;

  TokenDtype dtype() const { return dtype_; }
  uint64_t sequences() const { return sequence_count_; }
  uint64_t documents() const { return document_count_ - 1; }
  uint64_t tokens() const { return tokens_; }
  // The index arrays sit at unaligned offsets in the mapped .idx (the header is 34 bytes), so
  // they are read element by element rather than exposed as spans. All throw when out of range.
  int32_t sequence_size(uint64_t i) const;     // tokens in sequence i
  int64_t sequence_pointer(uint64_t i) const;  // byte offset of sequence i in .bin
  int64_t document_start(uint64_t j) const;    // first sequence of document j (j <= documents())

  // Ids of sequence i (converted to int32). Throws Error when i is out of range.
  std::vector<int32_t> sequence(uint64_t i) const;
  void read_sequence(uint64_t i, std::vector<int32_t>* ids) const;
  // Ids of document j: its sequences concatenated.
  std::vector<int32_t> document(uint64_t j) const;

 private:
  struct Mapping;
  void validate_index();
  void validate_sequences();
  void check_index(uint64_t i, uint64_t count, const char* what) const;

  std::string prefix_;
  std::unique_ptr<Mapping> idx_, bin_;
  TokenDtype dtype_ = TokenDtype::kUint16;
  uint64_t sequence_count_ = 0, document_count_ = 0, tokens_ = 0;
  const char* sizes_ = nullptr;      // int32[N] in the mapped .idx
  const char* pointers_ = nullptr;   // int64[N]
  const char* doc_index_ = nullptr;  // int64[D]
};

}  // namespace glossa
