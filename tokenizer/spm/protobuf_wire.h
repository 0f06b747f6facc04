// The protobuf wire format, just enough to read and write SentencePiece's ModelProto without
// linking libprotobuf (libsentencepiece embeds its own protobuf-lite; loading both crashes).
// Unknown fields are kept as their raw bytes, so a model round-trips unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glossa::wire {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;      // kVarint
  uint32_t fixed32 = 0;     // kFixed32
  uint64_t fixed64 = 0;     // kFixed64
  std::string_view bytes;   // kLengthDelimited payload
  std::string_view raw;     // the whole field, tag included (for verbatim copies)
};

// Iterates over the fields of one message. Throws Error naming `origin` and the byte offset
// when the data is malformed or truncated.
class Reader {
 public:
  Reader(std::string_view data, std::string origin) : data_(data), origin_(std::move(origin)) {}
  bool next(Field* field);
  size_t offset() const { return pos_; }

 private:
  uint64_t read_varint();
  [[noreturn]] void malformed(const std::string& what) const;
  std::string_view data_;
  std::string origin_;
  size_t pos_ = 0;
};

void put_varint(std::string* out, uint64_t value);
void put_varint_field(std::string* out, uint32_t number, uint64_t value);
void put_fixed32_field(std::string* out, uint32_t number, uint32_t value);
void put_bytes_field(std::string* out, uint32_t number, std::string_view bytes);

float fixed32_to_float(uint32_t bits);
uint32_t float_to_fixed32(float value);

}  // namespace glossa::wire
