// The protocol fuzz target without libFuzzer, for any compiler: runs LLVMFuzzerTestOneInput over
// built-in nasty inputs, then over every file of the folders (or the files) named on the command
// line (CTest passes tests/fuzz/corpus). A bug aborts; a clean run prints how many inputs ran.
//   fuzz_protocol_replay [FOLDER_OR_FILE...]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/method_catalog.h"
#include "protocol/rpc_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace p = glossa::protocol;

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Inputs a careless reader trips on; the fuzzer's limit is 4096 bytes a line.
std::vector<std::string> nasty_inputs() {
  const std::string head = R"({"jsonrpc":"2.0","id":1,"method":"job.submit","params":)";
  std::vector<std::string> in = {
      "",
      "\n",
      "\r\n",
      "\r",
      "\n\n\n\r\n",
      "\xff\xfe\n",
      "{\"jsonrpc\":\n",
      "garbage\n",
      std::string("\0\n", 2),
      std::string("{\"jsonrpc\":\"2.0\",\"method\":\"a\0\"}\n", 32),
      "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}]\n",
      "[]\n",
      "null\n",
      "1e400\n",
      "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"version\"}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"version\"}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551616,\"method\":\"version\"}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775809,\"method\":\"version\"}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551615,\"method\":\"job.get\",\"params\":{\"id\":-"
      "0}}\n",
      "{\"jsonrpc\":\"2.0\",\"method\":\"\\ud800\"}\n",
      "{\"jsonrpc\":\"2.0\",\"method\":\"\xed\xa0\x80\"}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.get\",\"params\":[12]}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.get\",\"params\":{\"id\":1e2}}\n",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32700,\"message\":\"m\",\"data\":null}}"
      "\n",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":-0.0}\n",
      std::string(4096, 'x') + "\n" + std::string(4097, 'y') + "\n{\"jsonrpc\":\"2.0\"}\r\n",
      repeat("{\"jsonrpc\":\"2.0\",\"method\":\"dropped\"}\r\n", 200),
      head + repeat("[", 2000) + repeat("]", 2000) + "}\n",  // deep, and within the line limit
      repeat("[", 5000) + "\n",                              // deep and too long
      head + "{\"job\":\"x\",\"options\":{\"k\":\"" + repeat("\xc3\xa9", 1900) + "\"}}}\n",
  };
  // Every documented example, as a client and the backend send it.
  for (const auto& m : p::all_methods())
    in.push_back(p::encode_request(7, m.name, m.example_params) +
                 p::encode_result(7, m.example_result));
  for (const auto& n : p::all_notifications())
    in.push_back(p::encode_notification(n.name, n.example_params));
  return in;
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path))
      if (entry.is_regular_file()) files.push_back(entry.path());
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (const std::string& input : nasty_inputs()) run(input), ++count;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      std::fprintf(stderr, "fuzz_protocol_replay: %s does not exist\n", argv[i]);
      return 2;
    }
    for (const auto& file : files_under(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      run(std::string(std::istreambuf_iterator<char>(in), {}));
      ++count;
    }
  }
  std::printf("fuzz_protocol_replay: %zu inputs, no bug found\n", count);
  return 0;
}
