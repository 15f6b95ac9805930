// One thread for the whole server that pings quiet streams: every exchange still running is
// asked, a few times per interval, to write ": ping" if it has written nothing for the
// interval (a long prompt being prefilled, a request waiting for a slot). A client that has
// gone is noticed on that write, and its work cancelled.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace yak::serve {

class CompletionExchange;

class KeepAlive {
 public:
  explicit KeepAlive(std::chrono::milliseconds interval);
  ~KeepAlive();  // stops and joins the thread
  KeepAlive(const KeepAlive&) = delete;
  KeepAlive& operator=(const KeepAlive&) = delete;

  void watch(const std::shared_ptr<CompletionExchange>& exchange);
  size_t watched() const;

 private:
  void loop();

  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::vector<std::weak_ptr<CompletionExchange>> exchanges_;
  std::thread thread_;
};

}  // namespace yak::serve
