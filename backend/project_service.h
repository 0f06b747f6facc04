// The project.* and vocab.* methods (docs/protocol.md): projects opened by path, a vocabulary
// session's candidate table served a page at a time, and the person's overrides recorded. The
// table of the last sessions asked for is kept (base pieces cost one encode per row), so paging
// through 200,000 rows builds it once; overrides are merged into each page fresh.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace glossa {
struct CandidateRow;
class ProjectFile;
}

namespace glossa::backend {

class ProjectService {
 public:
  ProjectService();
  ~ProjectService();

  // Params already type-checked against the catalog; errors are protocol::RpcException
  // (kProject naming the path, kNotFound for a session, kInvalidParams naming the field).
  nlohmann::json open(const nlohmann::json& params);        // project.open
  nlohmann::json candidates(const nlohmann::json& params);  // vocab.candidates
  nlohmann::json decide(const nlohmann::json& params);      // vocab.decide
  nlohmann::json overrides(const nlohmann::json& params);   // vocab.overrides
  nlohmann::json preview(const nlohmann::json& params);     // vocab.preview

 private:
  struct Table;  // one session's rows (without overrides), and the session's min_freq
  std::shared_ptr<const Table> table(ProjectFile& project, int64_t session);

  struct Preview;  // one session's VocabPreview (sample read once)
  std::shared_ptr<Preview> preview_of(const std::string& project, int64_t session, int64_t bytes);
  std::mutex mutex_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<Preview>> previews_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const Table>> tables_;
};

}  // namespace glossa::backend
