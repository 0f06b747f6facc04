#include "backend/project_service.h"

#include <algorithm>

#include "base/error.h"
#include "jobs/project_file.h"
#include "protocol/rpc_message.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/spm/llama2c_tokenizer.h"
#include "tokenizer/vocab/vocab_candidate_table.h"
#include "tokenizer/vocab/vocab_expander.h"
#include "tokenizer/vocab/vocab_preview.h"

namespace glossa::backend {

using nlohmann::json;
using protocol::RpcException;

namespace {

constexpr int64_t kMaxPage = 5000;
constexpr size_t kTablesKept = 4;

std::unique_ptr<ProjectFile> open_project(const std::string& path, bool create = false,
                                          const std::string& name = "") {
  try {
    return ProjectFile::open(path, create, name);
  } catch (const std::exception& e) {
    throw RpcException(protocol::kProject, e.what(), {{"path", path}});
  }
}

VocabSessionRow find_session(ProjectFile& project, int64_t id) {
  for (VocabSessionRow& s : VocabSessionStore(project.db()).sessions())
    if (s.id == id) return s;
  throw RpcException(protocol::kNotFound, "no vocabulary session " + std::to_string(id) + " in " +
                                              project.info().path);
}

json session_json(const VocabSessionRow& s) {
  json options = json::parse(s.options_json, nullptr, false);
  json result = s.result_json.empty() ? json() : json::parse(s.result_json, nullptr, false);
  json out = {{"id", s.id}, {"created_at", s.created_at}, {"finished", !s.result_json.empty()},
              {"options", options.is_discarded() ? json() : options}};
  if (result.is_object()) {
    out["final_size"] = result.value("/final/size"_json_pointer, json());
    out["converged"] = result.value("converged", json());
  }
  return out;
}

json row_json(const CandidateRow& r) {
  return json::array({r.piece, r.count, r.rank, r.chars, r.script, r.status, r.reason, r.iteration,
                      r.base_pieces, r.override_action, r.override_reason});
}

std::vector<std::string> piece_list(const json& pieces) {
  std::vector<std::string> out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!pieces[i].is_string() || pieces[i].get_ref<const std::string&>().empty())
      throw RpcException(protocol::kInvalidParams,
                         "pieces[" + std::to_string(i) + "] is not a non-empty string",
                         {{"field", "pieces"}, {"expected", "string"}});
    out.push_back(pieces[i].get<std::string>());
  }
  return out;
}

}  // namespace

struct ProjectService::Table {
  std::vector<CandidateRow> rows;
  int64_t min_freq = 0;
};

ProjectService::ProjectService() = default;
ProjectService::~ProjectService() = default;

json ProjectService::open(const json& params) {
  auto project = open_project(params.at("path").get<std::string>(), params.value("create", false),
                              params.value("name", std::string()));
  const ProjectInfo& info = project->info();
  json sessions = json::array();
  for (const VocabSessionRow& s : VocabSessionStore(project->db()).sessions())
    sessions.push_back(session_json(s));
  return {{"project", {{"path", info.path}, {"name", info.name}, {"created_at", info.created_at},
                       {"format", info.format}, {"vocab_sessions", sessions}}}};
}

std::shared_ptr<const ProjectService::Table> ProjectService::table(ProjectFile& project,
                                                                   int64_t session) {
  const VocabSessionRow s = find_session(project, session);
  const auto key = std::make_pair(project.info().path, session);
  {
    std::lock_guard lock(mutex_);
    const auto it = tables_.find(key);
    // A finished session never changes; an unfinished one is rebuilt on every request.
    if (it != tables_.end() && !s.result_json.empty()) return it->second;
  }
  auto t = std::make_shared<Table>();
  const json options = json::parse(s.options_json, nullptr, false);
  t->min_freq = options.is_object() ? options.value("min_freq", int64_t(0)) : 0;
  std::optional<SpModel> base;
  const std::string base_path = options.is_object() ? options.value("base_model", "") : "";
  if (!base_path.empty()) {
    try {
      base = load_sp_or_llama2c_tokenizer(base_path);
    } catch (const std::exception& e) {
      throw RpcException(protocol::kProject, std::string("session's base tokenizer: ") + e.what(),
                         {{"path", base_path}});
    }
  }
  t->rows = build_candidate_table(VocabSessionStore(project.db()).latest_decisions(session),
                                  base ? &*base : nullptr);
  std::lock_guard lock(mutex_);
  if (tables_.size() >= kTablesKept) tables_.erase(tables_.begin());
  tables_[key] = t;
  return t;
}

json ProjectService::candidates(const json& params) {
  const std::string path = params.at("project").get<std::string>();
  const int64_t session = params.at("session").get<int64_t>();
  const int64_t offset = std::max<int64_t>(0, params.value("offset", int64_t(0)));
  const int64_t limit = std::clamp<int64_t>(params.value("limit", kMaxPage), 0, kMaxPage);
  auto project = open_project(path);
  const auto t = table(*project, session);
  const int64_t total = int64_t(t->rows.size());
  const int64_t first = std::min(offset, total);
  const int64_t last = std::min(total, first + limit);
  std::vector<CandidateRow> page(t->rows.begin() + first, t->rows.begin() + last);
  apply_overrides(page, VocabOverrideStore(project->db()).current(session));
  json rows = json::array();
  for (const CandidateRow& r : page) rows.push_back(row_json(r));
  return {{"total", total}, {"min_freq", t->min_freq}, {"rows", std::move(rows)},
          {"columns", {"piece", "count", "rank", "chars", "script", "status", "reason", "iteration",
                       "base_pieces", "override", "override_reason"}}};
}

json ProjectService::decide(const json& params) {
  auto project = open_project(params.at("project").get<std::string>());
  const int64_t session = params.at("session").get<int64_t>();
  find_session(*project, session);
  const std::vector<std::string> pieces = piece_list(params.at("pieces"));
  const std::string action = params.at("action").get<std::string>();
  VocabOverride parsed;
  try {
    parsed = parse_vocab_override(action);
  } catch (const std::exception& e) {
    throw RpcException(protocol::kInvalidParams, e.what(), {{"field", "action"}});
  }
  VocabOverrideStore store(project->db());
  store.record(session, pieces, parsed, params.value("reason", std::string()));
  return {{"changed", pieces.size()}, {"overrides", store.current(session).size()}};
}

json ProjectService::overrides(const json& params) {
  auto project = open_project(params.at("project").get<std::string>());
  const int64_t session = params.at("session").get<int64_t>();
  find_session(*project, session);
  VocabOverrideStore store(project->db());
  json out = json::array();
  for (const VocabOverrideRow& o :
       params.value("history", false) ? store.history(session) : store.current(session))
    out.push_back({{"piece", o.piece}, {"action", vocab_override_name(o.action)},
                   {"reason", o.reason}, {"at", o.at}});
  return {{"overrides", std::move(out)}};
}

struct ProjectService::Preview {
  std::mutex mutex;  // one update at a time per session
  std::unique_ptr<VocabPreview> preview;
};

std::shared_ptr<ProjectService::Preview> ProjectService::preview_of(const std::string& path,
                                                                     int64_t session, int64_t bytes) {
  auto project = open_project(path);
  const VocabSessionRow s = find_session(*project, session);
  const auto key = std::make_pair(project->info().path, session);
  {
    std::lock_guard lock(mutex_);
    if (const auto it = previews_.find(key); it != previews_.end()) return it->second;
  }
  ExpansionOptions options;
  try {
    options = ExpansionOptions::from_json(nlohmann::json::parse(s.options_json), "vocab_sessions.options_json");
  } catch (const std::exception& e) {
    throw RpcException(protocol::kProject, e.what(), {{"path", path}});
  }
  auto p = std::make_shared<Preview>();
  try {
    std::vector<std::string> sample;
    int64_t taken = 0;
    MultiFileSource source(options.corpus_files, options.reader);
    Document doc;
    while (taken < bytes && source.next(&doc)) {
      taken += int64_t(doc.text.size());
      sample.push_back(std::move(doc.text));
    }
    p->preview = std::make_unique<VocabPreview>(load_sp_or_llama2c_tokenizer(options.base_model), sample,
                                                parse_score_policy(options.score_policy));
  } catch (const std::exception& e) {
    throw RpcException(protocol::kProject, std::string("preview: ") + e.what(), {{"path", path}});
  }
  std::lock_guard lock(mutex_);
  if (previews_.size() >= kTablesKept) previews_.erase(previews_.begin());
  previews_[key] = p;
  return p;
}

namespace {

json stats_json(const PreviewStats& s) {
  return {{"tokens", s.tokens}, {"words", s.words}, {"fertility", s.fertility()}};
}

json spans_json(const std::vector<TokenSpan>& spans) {
  json out = json::array();
  for (const TokenSpan& t : spans) out.push_back({t.id, t.piece, t.begin, t.end});
  return out;
}

}  // namespace

json ProjectService::preview(const json& params) {
  const int64_t bytes = std::clamp<int64_t>(params.value("sample_bytes", int64_t(1000000)), 1000, 100000000);
  const auto p = preview_of(params.at("project").get<std::string>(), params.at("session").get<int64_t>(), bytes);
  const std::vector<std::string> included = piece_list(params.at("included"));
  std::lock_guard lock(p->mutex);
  VocabPreview& v = *p->preview;
  v.update(included);
  json merged = stats_json(v.merged());
  merged["size"] = v.merged_size();
  json out = {{"base", stats_json(v.base())}, {"merged", merged}, {"length_ratio", v.length_ratio()},
              {"reencoded_words", v.last_reencoded()}, {"distinct_words", v.distinct_words()}};
  if (params.contains("text"))
    out["inspect"] = {{"base", spans_json(v.inspect_base(params.at("text").get<std::string>()))},
                      {"merged", spans_json(v.inspect_merged(params.at("text").get<std::string>()))}};
  return out;
}

}  // namespace glossa::backend
