#include "tokenizer/spm/protobuf_wire.h"

#include <cstring>

#include "base/error.h"

namespace glossa::wire {

void Reader::malformed(const std::string& what) const {
  fail(origin_, "malformed protobuf at byte " + std::to_string(pos_) + ": " + what);
}

uint64_t Reader::read_varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) malformed("varint runs past the end (truncated?)");
    const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    value |= uint64_t(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  malformed("varint longer than 10 bytes");
}

bool Reader::next(Field* field) {
  if (pos_ >= data_.size()) return false;
  const size_t start = pos_;
  const uint64_t tag = read_varint();
  field->number = static_cast<uint32_t>(tag >> 3);
  if (field->number == 0) malformed("field number 0");
  const uint8_t type = tag & 7;
  switch (type) {
    case 0:
      field->type = WireType::kVarint;
      field->varint = read_varint();
      break;
    case 1:
      field->type = WireType::kFixed64;
      if (data_.size() - pos_ < 8) malformed("fixed64 runs past the end (truncated?)");
      std::memcpy(&field->fixed64, data_.data() + pos_, 8);
      pos_ += 8;
      break;
    case 2: {
      field->type = WireType::kLengthDelimited;
      const uint64_t length = read_varint();
      if (length > data_.size() - pos_) {
        malformed("field " + std::to_string(field->number) + " claims " + std::to_string(length) +
                  " bytes but only " + std::to_string(data_.size() - pos_) +
                  " remain (truncated?)");
      }
      field->bytes = data_.substr(pos_, length);
      pos_ += length;
      break;
    }
    case 5:
      field->type = WireType::kFixed32;
      if (data_.size() - pos_ < 4) malformed("fixed32 runs past the end (truncated?)");
      std::memcpy(&field->fixed32, data_.data() + pos_, 4);
      pos_ += 4;
      break;
    default:
      malformed("unsupported wire type " + std::to_string(type));
  }
  field->raw = data_.substr(start, pos_ - start);
  return true;
}

void put_varint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void put_varint_field(std::string* out, uint32_t number, uint64_t value) {
  put_varint(out, (uint64_t(number) << 3) | 0);
  put_varint(out, value);
}

void put_fixed32_field(std::string* out, uint32_t number, uint32_t value) {
  put_varint(out, (uint64_t(number) << 3) | 5);
  char bytes[4];
  std::memcpy(bytes, &value, 4);  // little endian on every platform Glossa targets
  out->append(bytes, 4);
}

void put_bytes_field(std::string* out, uint32_t number, std::string_view bytes) {
  put_varint(out, (uint64_t(number) << 3) | 2);
  put_varint(out, bytes.size());
  out->append(bytes);
}

float fixed32_to_float(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint32_t float_to_fixed32(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

}  // namespace glossa::wire
