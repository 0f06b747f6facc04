#include "tokenizer/spm/hf_tokenizer_files.h"

#include <filesystem>
#include <system_error>

#include "base/error.h"
#include "base/strict_json.h"
#include "base/file_util.h"

namespace glossa {

namespace {

// transformers' VERY_LARGE_INTEGER = int(1e30), the model_max_length it writes when none is
// known. Larger than any JSON integer nlohmann holds, so it is spliced in as text.
constexpr const char* kVeryLargeInteger = "1000000000000000019884624838656";
constexpr const char* kVeryLargePlaceholder = "__glossa_very_large_integer__";

// An AddedToken as transformers serializes it (special adds the "special" key).
nlohmann::json added_token(const std::string& content, bool with_special) {
  nlohmann::json token = {{"content", content},
                          {"lstrip", false},
                          {"normalized", false},
                          {"rstrip", false},
                          {"single_word", false}};
  if (with_special) token["special"] = true;
  return token;
}

// The piece string for a special-token id of the trainer spec, or empty when the id is -1.
std::string special_piece(const SpModel& model, int id, const char* name) {
  if (id < 0) return {};
  if (id >= model.size()) {
    fail("tokenizer_config.json", std::string(name) + "_id " + std::to_string(id) +
                                      " is outside the vocabulary of " +
                                      std::to_string(model.size()) + " pieces");
  }
  return model.piece(id).piece;
}

std::string pad_piece(const SpModel& model, const HfTokenizerOptions& options) {
  if (options.pad_token.empty()) return special_piece(model, model.settings().pad_id, "pad");
  if (!model.contains(options.pad_token)) {
    fail("tokenizer_config.json", "pad token '" + options.pad_token +
                                      "' is not a piece of the model (use an existing piece such "
                                      "as the unk or eos piece, or leave it empty)");
  }
  return options.pad_token;
}

nlohmann::json token_or_null(const std::string& piece) {
  return piece.empty() ? nlohmann::json(nullptr) : nlohmann::json(piece);
}

}  // namespace

nlohmann::json HfTokenizerOptions::to_json() const {
  return {{"pad_token", pad_token},
          {"model_max_length", model_max_length},
          {"legacy", legacy},
          {"add_bos_token", add_bos_token},
          {"add_eos_token", add_eos_token}};
}

HfTokenizerOptions HfTokenizerOptions::from_json(const nlohmann::json& json,
                                                 const std::string& where) {
  StrictJson r(json, where, "docs/tokenizer-files.md");
  HfTokenizerOptions o;
  r.get("pad_token", o.pad_token);
  r.get("model_max_length", o.model_max_length);
  r.get("legacy", o.legacy);
  r.get("add_bos_token", o.add_bos_token);
  r.get("add_eos_token", o.add_eos_token);
  r.finish();
  if (o.model_max_length < 0) r.fail_key("model_max_length", "must be >= 0");
  return o;
}

nlohmann::json hf_tokenizer_config(const SpModel& model, const HfTokenizerOptions& options) {
  const SpSettings s = model.settings();
  const std::string bos = special_piece(model, s.bos_id, "bos");
  const std::string eos = special_piece(model, s.eos_id, "eos");
  const std::string unk = special_piece(model, s.unk_id, "unk");
  if (options.add_bos_token && bos.empty()) {
    fail("tokenizer_config.json",
         "add_bos_token is set but the model has no BOS piece (bos_id -1)");
  }
  if (options.add_eos_token && eos.empty()) {
    fail("tokenizer_config.json",
         "add_eos_token is set but the model has no EOS piece (eos_id -1)");
  }
  // transformers lists the model's control and unknown pieces as special AddedTokens by id.
  nlohmann::json decoder = nlohmann::json::object();
  for (int id = 0; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    if (p.type == PieceType::kControl || p.type == PieceType::kUnknown) {
      decoder[std::to_string(id)] = added_token(p.piece, true);
    }
  }
  nlohmann::json config = {
      {"add_bos_token", options.add_bos_token},
      {"add_eos_token", options.add_eos_token},
      {"add_prefix_space", true},
      {"added_tokens_decoder", decoder},
      {"bos_token", token_or_null(bos)},
      {"clean_up_tokenization_spaces", false},
      {"eos_token", token_or_null(eos)},
      {"extra_special_tokens", nlohmann::json::object()},
      {"legacy", options.legacy},
      {"pad_token", token_or_null(pad_piece(model, options))},
      {"sp_model_kwargs", nlohmann::json::object()},
      {"spaces_between_special_tokens", false},
      {"tokenizer_class", "LlamaTokenizer"},
      {"unk_token", token_or_null(unk)},
      {"use_default_system_prompt", false},
  };
  if (options.model_max_length > 0) {
    config["model_max_length"] = options.model_max_length;
  } else {
    config["model_max_length"] = kVeryLargePlaceholder;
  }
  return config;
}

nlohmann::json hf_special_tokens_map(const SpModel& model, const HfTokenizerOptions& options) {
  const SpSettings s = model.settings();
  nlohmann::json map = nlohmann::json::object();
  const std::pair<const char*, std::string> tokens[] = {
      {"bos_token", special_piece(model, s.bos_id, "bos")},
      {"eos_token", special_piece(model, s.eos_id, "eos")},
      {"pad_token", pad_piece(model, options)},
      {"unk_token", special_piece(model, s.unk_id, "unk")}};
  for (const auto& [key, piece] : tokens) {
    if (!piece.empty()) map[key] = added_token(piece, false);
  }
  return map;
}

std::string hf_json_text(const nlohmann::json& json) {
  std::string text = json.dump(2) + "\n";
  const std::string quoted = std::string("\"") + kVeryLargePlaceholder + "\"";
  const size_t at = text.find(quoted);
  if (at != std::string::npos) text.replace(at, quoted.size(), kVeryLargeInteger);
  return text;
}

void add_hf_tokenizer_files(OutputBatch& outputs, const SpModel& model, const std::string& dir,
                            const HfTokenizerOptions& options) {
  // Build everything first, so a bad option leaves no half-written folder.
  const std::string config = hf_json_text(hf_tokenizer_config(model, options));
  const std::string special = hf_json_text(hf_special_tokens_map(model, options));
  outputs.make_dirs(dir);
  const std::filesystem::path base(dir);
  outputs.write((base / "tokenizer.model").string(), model.serialize());
  outputs.write((base / "tokenizer_config.json").string(), config);
  outputs.write((base / "special_tokens_map.json").string(), special);
}

void write_hf_tokenizer_folder(const SpModel& model, const std::string& dir,
                               const HfTokenizerOptions& options) {
  OutputBatch outputs;
  add_hf_tokenizer_files(outputs, model, dir, options);
  outputs.commit();
}

}  // namespace glossa
