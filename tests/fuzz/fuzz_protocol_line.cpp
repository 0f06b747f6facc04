// libFuzzer target of the protocol's input path (docs/protocol.md): bytes from a client go through
// a LineSplitter (max_line 4096, so oversized lines are cheap to reach), every line through
// parse_message, every request through check_request and every notification through its fields.
// RpcException is the only exception allowed; on top of "no crash, no sanitizer report" it checks
// properties a bug would break:
// - feeding the bytes at once or in pieces gives the same lines and oversize reports, no line is
//   longer than max_line or holds a '\n', and pending() never exceeds max_line;
// - a parsed message, encoded again, is one line that parses back to the same message;
// - every refusal encodes as an error response that parses back with its code.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "protocol/line_splitter.h"
#include "protocol/method_catalog.h"
#include "protocol/rpc_message.h"

namespace {

using glossa::protocol::Message;
using glossa::protocol::RpcError;
using glossa::protocol::RpcException;
namespace p = glossa::protocol;

constexpr std::size_t kFuzzMaxLine = 4096;

[[noreturn]] void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz_protocol_line: BUG: %s\n", what.c_str());
  std::abort();
}

// The line an encoder wrote, without its newline; a bug unless it is exactly one line.
std::string_view one_line(const std::string& encoded) {
  if (encoded.empty() || encoded.back() != '\n' || encoded.find('\n') != encoded.size() - 1)
    bug("an encoder wrote something other than one line");
  return std::string_view(encoded).substr(0, encoded.size() - 1);
}

std::string encode(const Message& m) {
  switch (m.kind) {
    case Message::Kind::kRequest:
      return p::encode_request(m.id, m.method, m.params);
    case Message::Kind::kNotification:
      return p::encode_notification(m.method, m.params);
    case Message::Kind::kResult:
      return p::encode_result(m.id, m.result);
    case Message::Kind::kError:
      return p::encode_error(m.id, m.error);
  }
  bug("unknown message kind");
}

bool same(const Message& a, const Message& b) {
  return a.kind == b.kind && a.id == b.id && a.method == b.method && a.params == b.params &&
         a.result == b.result && a.error.code == b.error.code &&
         a.error.message == b.error.message && a.error.data == b.error.data;
}

void check_round_trip(const Message& m) {
  try {
    if (!same(p::parse_message(one_line(encode(m))), m)) bug("encode + parse changed a message");
  } catch (const RpcException& e) {
    bug(std::string("an encoded message does not parse: ") + e.what());
  }
}

// What the backend does with a refusal: an error response, which the client must read back.
void check_error_response(const RpcException& e) {
  try {
    const Message m = p::parse_message(one_line(p::encode_error(e.id(), e.error())));
    if (m.kind != Message::Kind::kError || m.error.code != e.error().code)
      bug("an error response changed on the way");
  } catch (const RpcException& again) {
    bug(std::string("an error response does not parse: ") + again.what());
  }
}

void handle_line(std::string_view line) {
  if (line.size() > kFuzzMaxLine || line.find('\n') != std::string_view::npos)
    bug("the splitter delivered a line over max_line or with a newline");
  try {
    const Message m = p::parse_message(line);
    check_round_trip(m);
    if (m.kind == Message::Kind::kRequest) {
      p::check_request(m.method, m.params);
    } else if (m.kind == Message::Kind::kNotification) {
      if (const auto* n = p::find_notification(m.method))
        p::check_fields(n->params, m.params, n->name);
    }
  } catch (const RpcException& e) {
    check_error_response(e);
  }
}

struct Output {
  std::vector<std::string> lines;
  std::vector<std::size_t> oversize;
  bool operator==(const Output&) const = default;
};

// Feeds `bytes` in pieces of `piece` bytes (0: all at once) and records what comes out.
Output split(std::string_view bytes, std::size_t piece) {
  p::LineSplitter splitter(kFuzzMaxLine);
  Output out;
  const auto on_line = [&](std::string_view line) { out.lines.emplace_back(line); };
  const auto on_oversize = [&](std::size_t n) { out.oversize.push_back(n); };
  if (piece == 0) piece = bytes.size() + 1;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    splitter.feed(bytes.substr(at, piece), on_line, on_oversize);
    if (splitter.pending() > kFuzzMaxLine) bug("pending() over max_line");
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const Output whole = split(bytes, 0);
    // The piece size comes from the input, so reads that cut lines, "\r\n" and UTF-8 sequences
    // are explored as well.
    const std::size_t piece = size == 0 ? 1 : std::size_t(data[0] % 61) + 1;
    if (!(split(bytes, piece) == whole)) bug("pieces and a whole read split differently");
    for (const std::string& line : whole.lines) handle_line(line);
  } catch (const RpcException& e) {
    bug(std::string("RpcException escaped: ") + e.what());
  } catch (const std::exception& e) {
    bug(std::string("unexpected exception: ") + e.what());
  }
  return 0;
}
