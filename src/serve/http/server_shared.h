// What the server and its sessions share: the limits, the route, the draining flag and the
// registry of open connections (which also keeps each session alive until it closes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "serve/http/http_exchange.h"
#include "serve/http/http_limits.h"

namespace yak::serve {

class Session;

struct ServerShared {
  ServerShared(HttpLimits limits, HttpHandler handler)
      : limits(limits), handler(std::move(handler)) {}

  const HttpLimits limits;
  const HttpHandler handler;
  // Set by stop_accepting(): responses say Connection: close, idle connections close.
  std::atomic<bool> draining{false};
  // Requests whose response has not yet been completely written.
  std::atomic<std::size_t> responses_in_progress{0};
  // Connections over max_connections being answered 503.
  std::atomic<std::size_t> rejections_in_flight{0};

  void add(std::shared_ptr<Session> session) {
    std::lock_guard lock(mutex);
    sessions.emplace(session.get(), std::move(session));
  }
  void remove(const Session* session) {
    std::lock_guard lock(mutex);
    sessions.erase(session);
    changed.notify_all();
  }
  std::size_t count() const {
    std::lock_guard lock(mutex);
    return sessions.size();
  }
  std::vector<std::shared_ptr<Session>> snapshot() const {
    std::lock_guard lock(mutex);
    std::vector<std::shared_ptr<Session>> out;
    out.reserve(sessions.size());
    for (const auto& entry : sessions) out.push_back(entry.second);
    return out;
  }

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::unordered_map<const Session*, std::shared_ptr<Session>> sessions;
};

}  // namespace yak::serve
