// The project and vocabulary-curation methods of the protocol (docs/protocol.md): a project is
// one SQLite file the backend alone writes (architecture.md, Storage); the Vocabulary page reads a
// session's candidate table from it and records the person's overrides in it. The examples
// follow the story of method_table.cpp: Ana's Korean project, vocabulary session 2.
#include <nlohmann/json.hpp>

#include "protocol/method_parts.h"

namespace glossa::protocol {

using nlohmann::json;
using namespace nlohmann::literals;

namespace {

const Field kProjectPath{"project", kString, true, "Absolute path of the project file"};
const Field kSession{"session", kInteger, true, "Vocabulary session id (project.open lists them)"};

json ana_project() {
  return R"({"path": "/home/ana/glossa/korean.glossa", "name": "Korean EEVE",
    "created_at": "2026-12-01T09:12:44Z", "format": 1,
    "vocab_sessions": [{"id": 2, "created_at": "2026-12-03T14:02:10Z", "finished": true,
      "options": {"base_model": "/home/ana/models/llama-2-7b/tokenizer.model",
                  "intermediate_model": "/home/ana/tok/ko-bpe8k.model",
                  "corpus_files": ["/home/ana/corpus/nsmc.tsv"], "min_freq": 50,
                  "script": "hangul"},
      "final_size": 38568, "converged": true}]})"_json;
}

}  // namespace

std::vector<MethodDef> project_methods() {
  return {
      {"project.open",
       "Open (or create) a project file: its name and vocabulary sessions",
       {{"path", kString, true, "Absolute path of the project file (.glossa, SQLite)"},
        {"create", kBoolean, false, "Create the file when it does not exist (default false)"},
        {"name", kString, false, "Name of a project being created (default: the file's stem)"}},
       {{"project", kObject, true,
         "{path, name, created_at, format, vocab_sessions: [{id, created_at, finished, options, "
         "final_size, converged}]}"}},
       R"({"path": "/home/ana/glossa/korean.glossa"})"_json,
       {{"project", ana_project()}}},
      {"vocab.candidates",
       "Rows of a vocabulary session's candidate table, a page at a time (at most 5,000 rows)",
       {kProjectPath, kSession,
        {"offset", kInteger, false, "First row (default 0)"},
        {"limit", kInteger, false, "Rows at most (default and maximum 5,000)"}},
       {{"total", kInteger, true, "Rows in the whole table"},
        {"columns", kArray, true, "Names of the row arrays' entries, in order"},
        {"rows", kArray, true, "One array per piece, in first-seen order"},
        {"min_freq", kInteger, true, "The session's minimum frequency"}},
       R"({"project": "/home/ana/glossa/korean.glossa", "session": 2, "offset": 0, "limit": 2})"_json,
       R"({"total": 6568, "min_freq": 50,
         "columns": ["piece", "count", "rank", "chars", "script", "status", "reason", "iteration",
                     "base_pieces", "override", "override_reason"],
         "rows": [["▁영화", 41872, 3, 3, "hangul", "included", "count 41872 >= min_freq 50", 2,
                   ["▁", "<0xEC>", "<0x98>", "<0x81>", "화"], "", ""],
                  ["▁ㅋㅋ", 31, 2871, 3, "hangul", "excluded", "count 31 < min_freq 50", 1,
                   ["▁", "<0xE3>", "<0x85>", "<0x8B>", "<0xE3>", "<0x85>", "<0x8B>"], "include",
                   "laughter is common in reviews"]]})"_json},
      {"vocab.decide",
       "Include or exclude pieces whatever their count, or reset them to the rule; saved with a reason",
       {kProjectPath, kSession,
        {"pieces", kArray, true, "Pieces (strings, \"▁\" for space)"},
        {"action", kString, true, "include, exclude or reset"},
        {"reason", kString, false, "Why, in the person's words (default empty)"}},
       {{"changed", kInteger, true, "Pieces recorded"},
        {"overrides", kInteger, true, "Pieces with an override now"}},
       R"({"project": "/home/ana/glossa/korean.glossa", "session": 2, "pieces": ["▁ㅋㅋ"],
         "action": "include", "reason": "laughter is common in reviews"})"_json,
       R"({"changed": 1, "overrides": 4})"_json},
      {"vocab.overrides",
       "A session's current overrides (or their whole history): the next expansion's forced lists",
       {kProjectPath, kSession,
        {"history", kBoolean, false, "Every change, oldest first, resets included (default false)"}},
       {{"overrides", kArray, true, "[{piece, action, reason, at}]"}},
       R"({"project": "/home/ana/glossa/korean.glossa", "session": 2})"_json,
       R"({"overrides": [{"piece": "▁ㅋㅋ", "action": "include",
         "reason": "laughter is common in reviews", "at": "2026-12-03T14:20:31.512Z"}]})"_json},
  };
}

}  // namespace glossa::protocol
