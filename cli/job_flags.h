// A job's options as command-line flags, made from its schema (jobs/option_schema.h): one flag per
// key (`vocab_size` is --vocab-size), positional where the schema says so. After parsing, the
// flags given become the job's options JSON — exactly what `glossa-cli job run` and the backend
// take — so the CLI adds no meaning of its own.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "jobs/option_schema.h"

namespace glossa::cli {

class JobFlags {
 public:
  // Adds a flag to `command` for every option of `schema`.
  JobFlags(CLI::App* command, const jobs::OptionSchema& schema);

  // The options given on the command line (or by an environment variable), as JSON.
  nlohmann::json options() const;

 private:
  struct Binding {
    std::string key;
    CLI::Option* option = nullptr;
    std::function<nlohmann::json()> value;
  };
  CLI::Option* option_of(const std::string& key) const;

  std::vector<Binding> bindings_;
};

}  // namespace glossa::cli
