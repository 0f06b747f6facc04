#include "base/indexed_dataset.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "base/atomic_file.h"
#include "base/error.h"

namespace glossa {

namespace {

constexpr char kMagic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', '\0', '\0'};
constexpr uint64_t kVersion = 1;
constexpr size_t kHeaderBytes = 9 + 8 + 1 + 8 + 8;  // magic, version, dtype, N, D
constexpr size_t kBufferBytes = size_t(4) << 20;    // .bin write block

template <typename T>
void put(std::string* out, T value) {  // little endian: the only hosts we build for
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
T get(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

// Range of ids a dtype can hold, as int64.
void dtype_range(TokenDtype dtype, int64_t* lo, int64_t* hi) {
  switch (dtype) {
    case TokenDtype::kUint8:
      *lo = 0, *hi = 255;
      return;
    case TokenDtype::kInt8:
      *lo = -128, *hi = 127;
      return;
    case TokenDtype::kInt16:
      *lo = -32768, *hi = 32767;
      return;
    case TokenDtype::kUint16:
      *lo = 0, *hi = 65535;
      return;
    default:
      *lo = std::numeric_limits<int32_t>::min(), *hi = std::numeric_limits<int32_t>::max();
  }
}

template <typename T>
void append_as(std::span<const int32_t> ids, std::vector<char>* out) {
  const size_t at = out->size();
  out->resize(at + ids.size() * sizeof(T));
  char* p = out->data() + at;
  for (int32_t id : ids) {
    const T value = static_cast<T>(id);
    std::memcpy(p, &value, sizeof(T));
    p += sizeof(T);
  }
}

}  // namespace

TokenDtype dtype_for_vocab(int64_t vocab_size) {
  return vocab_size < 65536 ? TokenDtype::kUint16 : TokenDtype::kInt32;
}

size_t dtype_bytes(TokenDtype dtype) {
  switch (dtype) {
    case TokenDtype::kUint8:
    case TokenDtype::kInt8:
      return 1;
    case TokenDtype::kInt16:
    case TokenDtype::kUint16:
      return 2;
    case TokenDtype::kInt32:
      return 4;
    case TokenDtype::kInt64:
      return 8;
  }
  return 0;
}

const char* dtype_name(TokenDtype dtype) {
  switch (dtype) {
    case TokenDtype::kUint8:
      return "uint8";
    case TokenDtype::kInt8:
      return "int8";
    case TokenDtype::kInt16:
      return "int16";
    case TokenDtype::kInt32:
      return "int32";
    case TokenDtype::kInt64:
      return "int64";
    case TokenDtype::kUint16:
      return "uint16";
  }
  return "?";
}

TokenDtype dtype_from_code(int code, const std::string& where) {
  switch (code) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 8:
      return static_cast<TokenDtype>(code);
    default:
      fail(where, "unknown dtype code " + std::to_string(code) +
                      " (expected 1 uint8, 2 int8, 3 int16, 4 int32, 5 int64 or 8 uint16)");
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

IndexedDatasetWriter::IndexedDatasetWriter(std::string prefix, TokenDtype dtype)
    : prefix_(std::move(prefix)), dtype_(dtype) {
  bin_ = std::make_unique<AtomicFile>(prefix_ + ".bin");
  buffer_.reserve(kBufferBytes + 4096);
}

IndexedDatasetWriter::~IndexedDatasetWriter() {
  if (!done_) abort();
}

void IndexedDatasetWriter::add_document(std::span<const int32_t> ids) {
  add_sequence(ids);
  end_document();
}

void IndexedDatasetWriter::add_sequence(std::span<const int32_t> ids) {
  if (done_ || closed_) fail(prefix_ + ".bin", "add_sequence after finish() or abort()");
  int64_t lo, hi;
  dtype_range(dtype_, &lo, &hi);
  for (size_t k = 0; k < ids.size(); ++k) {
    if (ids[k] < lo || ids[k] > hi)
      fail(prefix_ + ".bin", "token id " + std::to_string(ids[k]) + " (sequence " +
                                 std::to_string(sizes_.size()) + ", position " + std::to_string(k) +
                                 ") does not fit dtype " + dtype_name(dtype_) +
                                 "; pack with int32 for vocabularies above 65,536");
  }
  if (ids.size() > size_t(std::numeric_limits<int32_t>::max()))
    fail(prefix_ + ".bin", "sequence longer than 2^31-1 tokens");
  switch (dtype_) {
    case TokenDtype::kUint8:
      append_as<uint8_t>(ids, &buffer_);
      break;
    case TokenDtype::kInt8:
      append_as<int8_t>(ids, &buffer_);
      break;
    case TokenDtype::kInt16:
      append_as<int16_t>(ids, &buffer_);
      break;
    case TokenDtype::kUint16:
      append_as<uint16_t>(ids, &buffer_);
      break;
    case TokenDtype::kInt32:
      append_as<int32_t>(ids, &buffer_);
      break;
    case TokenDtype::kInt64:
      append_as<int64_t>(ids, &buffer_);
      break;
  }
  sizes_.push_back(static_cast<int32_t>(ids.size()));
  pointers_.push_back(bin_bytes_);
  bin_bytes_ += static_cast<int64_t>(ids.size() * dtype_bytes(dtype_));
  tokens_ += ids.size();
  if (buffer_.size() >= kBufferBytes) flush_buffer();
}

void IndexedDatasetWriter::end_document() {
  if (done_ || closed_) fail(prefix_ + ".bin", "end_document after finish() or abort()");
  doc_index_.push_back(static_cast<int64_t>(sizes_.size()));
}

void IndexedDatasetWriter::flush_buffer() {
  bin_->write(std::string_view(buffer_.data(), buffer_.size()));
  buffer_.clear();
}

void IndexedDatasetWriter::finish() {
  close();
  commit();
}

std::string IndexedDatasetWriter::index_bytes() const {
  std::string idx;
  idx.reserve(kHeaderBytes + sizes_.size() * 12 + doc_index_.size() * 8);
  idx.append(kMagic, sizeof(kMagic));
  put<uint64_t>(&idx, kVersion);
  put<uint8_t>(&idx, static_cast<uint8_t>(dtype_));
  put<uint64_t>(&idx, sizes_.size());
  put<uint64_t>(&idx, doc_index_.size());
  idx.append(reinterpret_cast<const char*>(sizes_.data()), sizes_.size() * sizeof(int32_t));
  idx.append(reinterpret_cast<const char*>(pointers_.data()), pointers_.size() * sizeof(int64_t));
  idx.append(reinterpret_cast<const char*>(doc_index_.data()), doc_index_.size() * sizeof(int64_t));
  return idx;
}

void IndexedDatasetWriter::close() {
  if (done_ || closed_) fail(prefix_ + ".bin", "close() called twice or after abort()");
  if (doc_index_.back() != static_cast<int64_t>(sizes_.size())) end_document();
  try {
    flush_buffer();
    bin_->close();
    idx_ = std::make_unique<AtomicFile>(prefix_ + ".idx");
    idx_->write(index_bytes());
    idx_->close();
  } catch (...) {
    abort();
    throw;
  }
  closed_ = true;
}

void IndexedDatasetWriter::commit() {
  if (done_ || !closed_) fail(prefix_ + ".bin", "commit() needs close() first");
  try {
    bin_->commit();  // .bin first: a reader that finds the .idx finds its .bin
    idx_->commit();
  } catch (...) {
    abort();
    throw;
  }
  done_ = true;
}

void IndexedDatasetWriter::abort() {
  bin_.reset();  // an uncommitted AtomicFile removes its temporary
  idx_.reset();
  done_ = true;
  buffer_ = {};
}

// ---------------------------------------------------------------------------------------------
// Reader

struct IndexedDatasetReader::Mapping {
  std::string path;
  const char* data = nullptr;
  uint64_t size = 0;

  explicit Mapping(std::string file) : path(std::move(file)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, "cannot open: " + errno_text());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const std::string why = errno_text();
      ::close(fd);
      fail(path, "cannot stat: " + why);
    }
    size = static_cast<uint64_t>(st.st_size);
    if (size > 0) {
      void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        const std::string why = errno_text();
        ::close(fd);
        fail(path, "cannot memory-map: " + why);
      }
      data = static_cast<const char*>(p);
    }
    ::close(fd);
  }
  ~Mapping() {
    if (data) ::munmap(const_cast<char*>(data), size);
  }
};

IndexedDatasetReader::IndexedDatasetReader(const std::string& prefix) : prefix_(prefix) {
  idx_ = std::make_unique<Mapping>(prefix + ".idx");
  bin_ = std::make_unique<Mapping>(prefix + ".bin");
  validate_index();
  validate_sequences();
}

IndexedDatasetReader::~IndexedDatasetReader() = default;

void IndexedDatasetReader::validate_index() {
  const std::string& file = idx_->path;
  const uint64_t size = idx_->size;
  if (size < kHeaderBytes)
    fail(file, "truncated: " + std::to_string(size) + " bytes, shorter than the " +
                   std::to_string(kHeaderBytes) + "-byte header; rewrite the shard");
  const char* p = idx_->data;
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0)
    fail(file, "wrong magic: not a Megatron indexed dataset (expected 'MMIDIDX\\0\\0' at byte 0)");
  const uint64_t version = get<uint64_t>(p + 9);
  if (version != kVersion)
    fail(file, "unsupported version " + std::to_string(version) + " at byte 9 (expected 1)");
  dtype_ = dtype_from_code(static_cast<uint8_t>(p[17]), file + " (byte 17)");
  sequence_count_ = get<uint64_t>(p + 18);
  document_count_ = get<uint64_t>(p + 26);
  const uint64_t room = (size - kHeaderBytes);
  // Each count must fit the file before multiplying, so that no overflow hides a corrupt header.
  if (sequence_count_ > room / 12 || document_count_ > room / 8 ||
      size != kHeaderBytes + sequence_count_ * 12 + document_count_ * 8)
    fail(file, "size " + std::to_string(size) + " bytes does not match its header (" +
                   std::to_string(sequence_count_) + " sequences, " +
                   std::to_string(document_count_) + " document-index entries need " +
                   std::to_string(kHeaderBytes) + " + 12*N + 8*D bytes): truncated or corrupt");
  if (document_count_ < 1) fail(file, "document index is empty (needs at least the final N)");
  sizes_ = p + kHeaderBytes;
  pointers_ = sizes_ + sequence_count_ * 4;
  doc_index_ = pointers_ + sequence_count_ * 8;
  int64_t previous = get<int64_t>(doc_index_);
  if (previous != 0)
    fail(file, "document index starts at " + std::to_string(previous) + " instead of 0");
  for (uint64_t j = 1; j < document_count_; ++j) {
    const int64_t start = get<int64_t>(doc_index_ + j * 8);
    if (start < previous || start > static_cast<int64_t>(sequence_count_))
      fail(file, "document index entry " + std::to_string(j) + " is " + std::to_string(start) +
                     " (previous " + std::to_string(previous) + ", N " +
                     std::to_string(sequence_count_) + "): corrupt");
    previous = start;
  }
  if (previous != static_cast<int64_t>(sequence_count_))
    fail(file, "document index ends at " + std::to_string(previous) +
                   " instead of the sequence count " + std::to_string(sequence_count_));
}

void IndexedDatasetReader::validate_sequences() {
  const uint64_t width = dtype_bytes(dtype_);
  int64_t expected = 0;  // byte offset where the next sequence must start
  for (uint64_t i = 0; i < sequence_count_; ++i) {
    const int32_t n = get<int32_t>(sizes_ + i * 4);
    const int64_t at = get<int64_t>(pointers_ + i * 8);
    if (n < 0)
      fail(idx_->path, "sequence " + std::to_string(i) + " has negative size " + std::to_string(n) +
                           ": corrupt");
    if (at != expected)
      fail(idx_->path, "sequence " + std::to_string(i) + " starts at byte " + std::to_string(at) +
                           " but the sizes before it end at byte " + std::to_string(expected) +
                           ": corrupt");
    expected = at + static_cast<int64_t>(n) * static_cast<int64_t>(width);
    tokens_ += static_cast<uint64_t>(n);
  }
  if (static_cast<uint64_t>(expected) != bin_->size)
    fail(bin_->path, "size " + std::to_string(bin_->size) + " bytes, but " + idx_->path +
                         " describes " + std::to_string(expected) + " bytes (" +
                         std::to_string(tokens_) + " " + dtype_name(dtype_) + " tokens): " +
                         (bin_->size < static_cast<uint64_t>(expected)
                              ? "truncated"
                              : "extra bytes; .bin and .idx are from different runs"));
}

void IndexedDatasetReader::check_index(uint64_t i, uint64_t count, const char* what) const {
  if (i >= count)
    fail(prefix_, std::string(what) + " " + std::to_string(i) + " out of range (" +
                      std::to_string(count) + ")");
}

int32_t IndexedDatasetReader::sequence_size(uint64_t i) const {
  check_index(i, sequence_count_, "sequence");
  return get<int32_t>(sizes_ + i * 4);
}

int64_t IndexedDatasetReader::sequence_pointer(uint64_t i) const {
  check_index(i, sequence_count_, "sequence");
  return get<int64_t>(pointers_ + i * 8);
}

int64_t IndexedDatasetReader::document_start(uint64_t j) const {
  check_index(j, document_count_, "document");
  return get<int64_t>(doc_index_ + j * 8);
}

void IndexedDatasetReader::read_sequence(uint64_t i, std::vector<int32_t>* ids) const {
  const int32_t n = sequence_size(i);
  const char* p = bin_->data + sequence_pointer(i);
  const size_t at = ids->size();
  ids->resize(at + static_cast<size_t>(n));
  int32_t* out = ids->data() + at;
  switch (dtype_) {
    case TokenDtype::kUint8:
      for (int32_t k = 0; k < n; ++k) out[k] = get<uint8_t>(p + k);
      break;
    case TokenDtype::kInt8:
      for (int32_t k = 0; k < n; ++k) out[k] = get<int8_t>(p + k);
      break;
    case TokenDtype::kInt16:
      for (int32_t k = 0; k < n; ++k) out[k] = get<int16_t>(p + 2 * k);
      break;
    case TokenDtype::kUint16:
      for (int32_t k = 0; k < n; ++k) out[k] = get<uint16_t>(p + 2 * k);
      break;
    case TokenDtype::kInt32:
      std::memcpy(out, p, size_t(n) * 4);
      break;
    case TokenDtype::kInt64:
      for (int32_t k = 0; k < n; ++k) out[k] = static_cast<int32_t>(get<int64_t>(p + 8 * k));
      break;
  }
}

std::vector<int32_t> IndexedDatasetReader::sequence(uint64_t i) const {
  std::vector<int32_t> ids;
  read_sequence(i, &ids);
  return ids;
}

std::vector<int32_t> IndexedDatasetReader::document(uint64_t j) const {
  check_index(j, documents(), "document");
  std::vector<int32_t> ids;
  const int64_t end = document_start(j + 1);
  for (int64_t i = document_start(j); i < end; ++i) read_sequence(static_cast<uint64_t>(i), &ids);
  return ids;
}

}  // namespace glossa
