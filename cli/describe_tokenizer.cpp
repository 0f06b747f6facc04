// tokenizer train and tokenizer analyze in words.
#include <sstream>

#include "cli/describe.h"
#include "tokenizer/spm/tokenizer_analysis.h"

namespace glossa::cli {

std::string describe_tokenizer_train(const nlohmann::json& r) {
  std::ostringstream text;
  text << "trained a " << r.at("config").at("model_type").get<std::string>() << " tokenizer of "
       << r.at("vocab_size") << " pieces on " << r.at("sentences") << " sentences -> "
       << r.at("model").get<std::string>() << ", " << r.at("vocab").get<std::string>() << "\n";
  return text.str();
}

std::string describe_tokenizer_analyze(const nlohmann::json& r) {
  return TokenizerAnalysis::from_json(r).table();
}

}  // namespace glossa::cli
