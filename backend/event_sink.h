// How the job manager and the run supervisor hand notifications to the socket server, from any
// thread. The server queues each event per subscribed client (client_session.h): events with a
// coalesce key replace a pending one with the same key (latest progress per job, latest state per
// run) so a slow client never makes a queue grow without bound.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace glossa::backend {

struct Event {
  std::string method;        // notification name (protocol/method_catalog.h)
  nlohmann::json params;     // its params object
  std::string subject;       // "job:7" or "run:3": what subscriptions filter on
  std::string coalesce_key;  // "" = never replaced; else a newer event with this key replaces
                             // the pending one (e.g. "job:7/progress")
};

// Must be thread-safe and must not block (the server only queues).
using EventSink = std::function<void(Event)>;

}  // namespace glossa::backend
