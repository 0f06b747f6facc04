#include "cli/job_flags.h"


namespace glossa::cli {

namespace {

using jobs::OptionSpec;
using jobs::OptionType;

// "Corpus files (default: 2)": CLI11 shows the type; the schema's default goes into the help.
std::string help_text(const OptionSpec& spec) {
  std::string help = spec.help;
  if (!spec.default_value.is_null() && spec.type != OptionType::kBool)
    help += " [default: " +
            (spec.default_value.is_string() ? spec.default_value.get<std::string>()
                                            : spec.default_value.dump()) +
            "]";
  return help;
}

std::string flag_name(const OptionSpec& spec) {
  return spec.positional ? spec.key : spec.flag();
}

// Binds a value of type T to a new option; the binding reads it back as JSON.
template <class T>
CLI::Option* bind(CLI::App* command, const OptionSpec& spec,
                  std::function<nlohmann::json()>* value) {
  auto storage = std::make_shared<T>();
  CLI::Option* option = command->add_option(flag_name(spec), *storage, help_text(spec));
  *value = [storage] { return nlohmann::json(*storage); };
  return option;
}

CLI::Option* add_option(CLI::App* command, const OptionSpec& spec,
                        std::function<nlohmann::json()>* value) {
  switch (spec.type) {
    case OptionType::kBool: {
      auto storage = std::make_shared<bool>(false);
      *value = [storage] { return nlohmann::json(*storage); };
      return command->add_flag(spec.flag(), *storage, help_text(spec));
    }
    case OptionType::kString: return bind<std::string>(command, spec, value);
    case OptionType::kInt: return bind<int64_t>(command, spec, value);
    case OptionType::kNumber: return bind<double>(command, spec, value);
    case OptionType::kStringList: return bind<std::vector<std::string>>(command, spec, value);
    case OptionType::kIntList: return bind<std::vector<int64_t>>(command, spec, value);
  }
  return nullptr;
}

// "-5 is out of range: it must be at least 0" (CLI::Range would print both bounds as doubles,
// the open one as a 309-digit number).
CLI::Validator range_validator(const OptionSpec& spec) {
  return CLI::Validator(
      [spec](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return text + " is not a number";
        if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max))
          return text + " is out of range: it must be " + spec.range_text();
        return "";
      },
      spec.range_text());
}

}  // namespace

JobFlags::JobFlags(CLI::App* command, const jobs::OptionSchema& schema) {
  for (const OptionSpec& spec : schema) {
    Binding b;
    b.key = spec.key;
    b.option = add_option(command, spec, &b.value);
    if (spec.required) b.option->required();
    if (!spec.choices.empty()) b.option->check(CLI::IsMember(spec.choices));
    if (spec.check == jobs::PathCheck::kExistingFile) b.option->check(CLI::ExistingFile);
    if (spec.check == jobs::PathCheck::kExistingDir) b.option->check(CLI::ExistingDirectory);
    const bool numeric = spec.type == OptionType::kInt || spec.type == OptionType::kNumber ||
                         spec.type == OptionType::kIntList;
    if (numeric && (spec.min || spec.max)) b.option->check(range_validator(spec));
    if (spec.cli_delimiter) b.option->delimiter(spec.cli_delimiter);
    if (!spec.env.empty()) b.option->envname(spec.env);
    bindings_.push_back(std::move(b));
  }
  for (const OptionSpec& spec : schema)  // a usage error, as CLI11 reports it
    for (const std::string& other : spec.excludes)
      option_of(spec.key)->excludes(option_of(other));
}

CLI::Option* JobFlags::option_of(const std::string& key) const {
  for (const Binding& b : bindings_)
    if (b.key == key) return b.option;
  throw std::logic_error("JobFlags: no option " + key);
}

nlohmann::json JobFlags::options() const {
  nlohmann::json out = nlohmann::json::object();
  for (const Binding& b : bindings_)
    if (b.option->count() > 0 || !b.option->empty()) out[b.key] = b.value();
  return out;
}

}  // namespace glossa::cli
