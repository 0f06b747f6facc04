// eval, model generate, model import and model resize in words.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/describe.h"

namespace glossa::cli {

namespace {

std::string metric(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "      -";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%7.4f", j.at(key).get<double>());
  return buf;
}

std::string score_line(const nlohmann::json& s, const std::string& label) {
  char head[96];
  std::snprintf(head, sizeof head, "%-22s %6lld", label.c_str(),
                static_cast<long long>(s.at("documents").get<int64_t>()));
  return std::string(head) + " " + metric(s, "acc") + " " + metric(s, "acc_stderr") + " " +
         metric(s, "acc_norm") + " " + metric(s, "acc_norm_stderr") + " " + metric(s, "f1") + "\n";
}

}  // namespace

std::string describe_eval(const nlohmann::json& r) {
  std::ostringstream out;
  if (!r.at("tasks").empty()) {
    out << "task                     docs     acc  stderr acc_norm stderr      f1\n";
    for (const auto& t : r.at("tasks")) {
      out << score_line(t, t.at("name").get<std::string>());
      if (t.at("truncated_requests").get<int64_t>() > 0)
        out << "  (" << t.at("truncated_requests") << " requests cut from the left to the context)\n";
    }
    for (const auto& g : r.at("groups"))
      out << score_line(g, "group " + g.at("name").get<std::string>());
  }
  for (const auto& h : r.at("heldout")) {
    char line[256];
    std::snprintf(
        line, sizeof line,
        "held-out %-16s loss %.4f nats/token  %.4f bits/byte  (%lld tokens, %.0f bytes%s)\n",
        h.at("name").get<std::string>().c_str(), h.at("loss").get<double>(),
        h.at("bpb").get<double>(), static_cast<long long>(h.at("tokens").get<int64_t>()),
        h.at("bytes").get<double>(), h.at("bytes_estimated").get<bool>() ? ", estimated" : "");
    out << line;
  }
  return out.str();
}

std::string describe_model_generate(const nlohmann::json& r, bool ids) {
  std::ostringstream human;
  const bool has_text = r.contains("text");
  if (has_text && !ids) human << r.at("text").get<std::string>() << "\n";
  if (ids || !has_text) {
    std::vector<int> all = r.at("prompt_ids").get<std::vector<int>>();
    const auto generated = r.at("ids").get<std::vector<int>>();
    all.insert(all.end(), generated.begin(), generated.end());
    for (size_t i = 0; i < all.size(); ++i) human << (i ? " " : "") << all[i];
    human << "\n";
  }
  return human.str();
}

std::string describe_model_import(const nlohmann::json& r, const nlohmann::json& options) {
  return "imported " + options.at("llama2c").get<std::string>() + " (" +
         std::to_string(r.at("parameters").get<int64_t>()) + " parameters" +
         (r.at("tied").get<bool>() ? ", tied" : ", untied") + ") -> " +
         r.at("out").get<std::string>() + "\n";
}

std::string describe_model_resize(const nlohmann::json& r) {
  std::ostringstream out;
  out << "resized the embeddings from " << r.at("base_vocab") << " to " << r.at("rows")
      << " rows (" << r.at("tokens") << " tokens), new rows initialised with "
      << r.at("init").get<std::string>() << " -> " << r.at("out").get<std::string>() << "\n";
  return out.str();
}

}  // namespace glossa::cli
