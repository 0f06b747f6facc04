// pack and bench prepare in words.
#include <sstream>

#include "cli/describe.h"

namespace glossa::cli {

std::string describe_pack(const nlohmann::json& r) {
  std::ostringstream out;
  const nlohmann::json& train = r.at("train");
  out << "packed " << train.at("documents") << " documents, " << train.at("tokens")
      << " tokens -> " << train.at("prefix").get<std::string>() << ".bin/.idx";
  const nlohmann::json& heldout = r.at("heldout");
  if (!heldout.is_null())
    out << "; held out " << heldout.at("documents") << " documents, " << heldout.at("tokens")
        << " tokens -> " << heldout.at("prefix").get<std::string>() << ".bin/.idx";
  out << "\n  dropped " << r.at("dropped").at("documents") << " documents (< "
      << r.at("options").at("min_tokens") << " tokens); manifest "
      << r.at("options").at("output_prefix").get<std::string>() << ".manifest.json\n";
  return out.str();
}

std::string describe_bench_prepare(const nlohmann::json& r) {
  std::ostringstream human;
  human << r.at("task").get<std::string>() << ": " << r.at("documents") << " documents, "
        << r.at("requests") << " requests (" << r.at("rows") << " rows, "
        << r.at("dropped_empty_rows") << " dropped for an empty field), BOS "
        << (r.at("bos").get<bool>() ? "on" : "off") << ", metrics";
  for (const auto& m : r.at("metrics")) human << " " << m.get<std::string>();
  human << "\n  -> " << r.at("out").get<std::string>() << "\n";
  return human.str();
}

}  // namespace glossa::cli
