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
      {"vocab.preview",
       "What the would-be merged tokenizer does to a sample of the session's corpus, against the "
       "base; and the token boundaries of a text under both (incremental: fast after a change)",
       {kProjectPath, kSession,
        {"included", kArray, true, "The pieces the merged tokenizer would append, in order"},
        {"text", kString, false, "Text to inspect (default: none)"},
        {"sample_bytes", kInteger, false, "Corpus bytes sampled (default 1,000,000; read once)"}},
       {{"base", kObject, true, "{tokens, words, fertility} on the sample"},
        {"merged", kObject, true, "{tokens, words, fertility, size}"},
        {"length_ratio", kNumber, true, "merged tokens / base tokens"},
        {"reencoded_words", kInteger, true, "Distinct words encoded again for this change"},
        {"distinct_words", kInteger, true, "Distinct words in the sample"},
        {"inspect", kObject, false, "With text: {base, merged}: [[id, piece, begin, end]] (bytes)"}},
       R"({"project": "/home/ana/glossa/korean.glossa", "session": 2,
         "included": ["▁영화", "▁정말"], "text": "정말 영화"})"_json,
       R"({"base": {"tokens": 771204, "words": 151822, "fertility": 5.08},
         "merged": {"tokens": 760113, "words": 151822, "fertility": 5.01, "size": 32002},
         "length_ratio": 0.9856, "reencoded_words": 2211, "distinct_words": 60518,
         "inspect": {"base": [[29871, "▁", 0, 0], [30852, "정", 0, 3], [31640, "말", 3, 6],
                              [29871, "▁", 6, 7], [31283, "영", 7, 10], [31626, "화", 10, 13]],
                     "merged": [[32001, "▁정말", 0, 6], [32000, "▁영화", 6, 13]]}})"_json},
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
