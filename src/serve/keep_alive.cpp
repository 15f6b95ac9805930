#include "serve/keep_alive.h"

#include <algorithm>

#include "serve/completion_exchange.h"

namespace yak::serve {

KeepAlive::KeepAlive(std::chrono::milliseconds interval)
    : interval_(std::max(interval, std::chrono::milliseconds(1))), thread_([this] { loop(); }) {}

KeepAlive::~KeepAlive() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void KeepAlive::watch(const std::shared_ptr<CompletionExchange>& exchange) {
  const std::lock_guard<std::mutex> lock(mu_);
  exchanges_.push_back(exchange);
}

size_t KeepAlive::watched() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return exchanges_.size();
}

void KeepAlive::loop() {
  // Looking four times per interval keeps a quiet stream's gap under 1.25 intervals.
  const auto tick = std::max(interval_ / 4, std::chrono::milliseconds(1));
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, tick, [&] { return stop_; })) {
    std::vector<std::weak_ptr<CompletionExchange>> exchanges = std::move(exchanges_);
    exchanges_.clear();
    lock.unlock();
    // Exchanges are pinged without the lock, so that watch() never waits on a write.
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::weak_ptr<CompletionExchange>> alive;
    for (const auto& weak : exchanges)
      if (const auto exchange = weak.lock(); exchange && exchange->ping_if_quiet(now, interval_))
        alive.push_back(weak);
    lock.lock();
    exchanges_.insert(exchanges_.end(), alive.begin(), alive.end());
  }
}

}  // namespace yak::serve
