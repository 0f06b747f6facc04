// One connected client of the backend (docs/backend.md, "Back-pressure"): its input line
// splitter, its subscriptions, the responses waiting to be written and the notifications waiting
// to be sent. Notifications never wait on the client: each is queued here, a newer one with the
// same coalesce key replaces the pending one (latest progress per job, state per run), and when
// the queue is full the oldest are dropped and counted, then reported in one `dropped`
// notification per subject once the client reads again. Everything stays available through
// metrics.query / job.get / run.get. A notification is encoded once, when it is published, and
// shared by every client that queues it. Used by the server's event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "backend/event_sink.h"
#include "protocol/line_splitter.h"

namespace glossa::backend {

// What a client listens to: everything of a kind, or some ids.
struct SubjectFilter {
  bool all = false;
  std::set<int64_t> ids;

  bool matches(int64_t id) const { return all || ids.count(id) > 0; }
  nlohmann::json to_json() const;
  // Adds (subscribe) or removes (unsubscribe) what `value` names: true/false or an id array.
  void apply(const nlohmann::json& value, bool add);
};

// A published notification, encoded once (the line) and shared by the clients that queue it.
struct EncodedEvent {
  std::string method, subject, coalesce_key;
  std::string line;   // JSON-RPC notification with its newline
  std::size_t units;  // 1 + rows / log lines it carries (SessionLimits::max_pending_units)

  static std::shared_ptr<const EncodedEvent> encode(const Event& event);
};
using EncodedEventPtr = std::shared_ptr<const EncodedEvent>;

struct SessionLimits {
  // Notifications queued before the oldest are dropped, counted in units: a notification is one
  // unit plus one per row / log line it carries (a row held as JSON costs ~1 KiB, so a client
  // that never reads holds at most ~8 MiB).
  std::size_t max_pending_units = 8192;
  std::size_t write_high_water = 256 * 1024;    // bytes in the write buffer before events wait
  std::size_t max_response_bytes = 64u << 20;   // a client not reading its responses is closed
};

class ClientSession {
 public:
  ClientSession(int fd, SessionLimits limits);

  int fd() const { return fd_; }
  protocol::LineSplitter& splitter() { return splitter_; }
  SubjectFilter& jobs() { return jobs_; }
  SubjectFilter& runs() { return runs_; }

  bool wants(const EncodedEvent& event) const;  // by subject and subscriptions
  void queue_event(EncodedEventPtr event);      // coalesces, drops the oldest when full
  void queue_line(std::string line);     // a response: always kept (bounded by max_response)

  // Moves pending notifications into the write buffer while it is under the high-water mark.
  void fill_write_buffer();
  bool has_output() const { return out_offset_ < out_.size(); }
  bool over_response_limit() const {
    return out_.size() - out_offset_ > limits_.max_response_bytes;
  }
  // Writes what the socket takes (non-blocking); false when the peer is gone.
  bool write_some();

  std::size_t pending_events() const { return pending_.size(); }
  std::size_t pending_units() const { return pending_units_; }
  uint64_t dropped_total() const { return dropped_total_; }

 private:
  void drop_oldest();

  int fd_;
  SessionLimits limits_;
  protocol::LineSplitter splitter_;
  SubjectFilter jobs_, runs_;
  std::deque<EncodedEventPtr> pending_;
  std::size_t pending_units_ = 0;  // see SessionLimits::max_pending_units
  std::string out_;
  std::size_t out_offset_ = 0;
  std::map<std::string, std::map<std::string, int64_t>> dropped_;  // subject -> method -> count
  uint64_t dropped_total_ = 0;
};

}  // namespace glossa::backend
