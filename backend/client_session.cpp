#include "backend/client_session.h"

#include <sys/socket.h>

#include <cerrno>

#include "protocol/rpc_message.h"

namespace glossa::backend {

nlohmann::json SubjectFilter::to_json() const {
  if (all) return true;
  if (ids.empty()) return false;
  return nlohmann::json(std::vector<int64_t>(ids.begin(), ids.end()));
}

void SubjectFilter::apply(const nlohmann::json& value, bool add) {
  if (value.is_boolean()) {
    if (value.get<bool>()) {
      all = add;
      if (!add) ids.clear();
    }
    return;
  }
  for (const auto& id : value) {
    if (add) ids.insert(id.get<int64_t>());
    else ids.erase(id.get<int64_t>());
  }
}

ClientSession::ClientSession(int fd, SessionLimits limits) : fd_(fd), limits_(limits) {}

namespace {

// The array a notification carries rows or lines in ("rows" of run.metrics / run.eval, "lines"
// of run.log): what it costs beyond one unit.
std::size_t rows_of(const Event& e) {
  for (const char* key : {"rows", "lines"})
    if (const auto it = e.params.find(key); it != e.params.end() && it->is_array()) return it->size();
  return 0;
}

}  // namespace

std::shared_ptr<const EncodedEvent> EncodedEvent::encode(const Event& event) {
  return std::make_shared<const EncodedEvent>(
      EncodedEvent{event.method, event.subject, event.coalesce_key,
                   protocol::encode_notification(event.method, event.params), 1 + rows_of(event)});
}

bool ClientSession::wants(const EncodedEvent& event) const {
  const auto colon = event.subject.find(':');
  if (colon == std::string::npos) return true;  // not about one job or run: everyone
  const std::string kind = event.subject.substr(0, colon);
  const int64_t id = std::stoll(event.subject.substr(colon + 1));
  if (kind == "job") return jobs_.matches(id);
  if (kind == "run") return runs_.matches(id);
  return true;
}

void ClientSession::queue_event(EncodedEventPtr event) {
  if (!event->coalesce_key.empty()) {
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
      if ((*it)->coalesce_key == event->coalesce_key) {
        pending_units_ += event->units;
        pending_units_ -= (*it)->units;
        *it = std::move(event);  // the latest progress / state is all a client needs
        return;
      }
  }
  pending_units_ += event->units;
  pending_.push_back(std::move(event));
  // The newest notification stays even when it alone is over the limit.
  while (pending_units_ > limits_.max_pending_units && pending_.size() > 1) drop_oldest();
}

void ClientSession::drop_oldest() {
  const EncodedEvent& e = *pending_.front();
  dropped_[e.subject][e.method] += 1;
  ++dropped_total_;
  pending_units_ -= e.units;
  pending_.pop_front();
}

void ClientSession::queue_line(std::string line) {
  if (out_offset_ > 0 && out_offset_ == out_.size()) {
    out_.clear();
    out_offset_ = 0;
  }
  out_ += line;
}

void ClientSession::fill_write_buffer() {
  const auto room = [&] { return out_.size() - out_offset_ < limits_.write_high_water; };
  while (room() && !dropped_.empty()) {
    auto it = dropped_.begin();
    nlohmann::json methods = nlohmann::json::array();
    int64_t count = 0;
    for (const auto& [method, n] : it->second) {
      methods.push_back(method);
      count += n;
    }
    queue_line(protocol::encode_notification(
        "dropped", {{"subject", it->first}, {"count", count}, {"methods", methods}}));
    dropped_.erase(it);
  }
  while (room() && !pending_.empty()) {
    out_ += pending_.front()->line;
    pending_units_ -= pending_.front()->units;
    pending_.pop_front();
  }
}

bool ClientSession::write_some() {
  while (out_offset_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_offset_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (out_offset_ == out_.size()) {
    out_.clear();
    out_offset_ = 0;
  } else if (out_offset_ > (1u << 20)) {
    out_.erase(0, out_offset_);  // keep the buffer from creeping forward forever
    out_offset_ = 0;
  }
  return true;
}

}  // namespace glossa::backend
