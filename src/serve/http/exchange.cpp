#include "serve/http/exchange.h"

#include <utility>

#include "serve/http/http_wire.h"
#include "serve/http/session.h"
#include "yak/error.h"

namespace yak::serve {

Exchange::Exchange(std::weak_ptr<Session> session, std::size_t max_queued_bytes)
    : session_(std::move(session)), max_queued_bytes_(max_queued_bytes) {}

void Exchange::queue_locked(ResponseItem item) {
  items_.push_back(std::move(item));
  if (flush_posted_) return;
  // Posted under the lock: once mark_gone() has run, no writer touches the session again,
  // which is what lets the server tear its sessions down while routes still hold writers.
  if (auto session = session_.lock()) {
    flush_posted_ = true;
    session->post_flush();
  }
}

void Exchange::send(int status, HttpHeaders headers, std::string body) {
  wire::check_status(status);
  wire::check_headers(headers);
  std::lock_guard lock(mutex_);
  if (gone_) return;  // the client has gone: nothing to do, and no misuse to report
  if (phase_ != Phase::none) fail("ResponseWriter::send after the response had begun");
  phase_ = Phase::ended;
  queue_locked({ResponseItem::Kind::whole, status, std::move(headers), std::move(body)});
}

void Exchange::start_stream(int status, HttpHeaders headers) {
  wire::check_status(status);
  wire::check_headers(headers);
  std::lock_guard lock(mutex_);
  if (gone_) return;
  if (phase_ != Phase::none) fail("ResponseWriter::start_stream after the response had begun");
  phase_ = Phase::streaming;
  queue_locked({ResponseItem::Kind::stream_head, status, std::move(headers), {}});
}

void Exchange::write(std::string piece) {
  std::lock_guard lock(mutex_);
  if (gone_) return;
  if (phase_ != Phase::streaming) {
    fail("ResponseWriter::write {}", phase_ == Phase::none ? "before start_stream" : "after end");
  }
  if (piece.empty()) return;
  if (queued_bytes_ + piece.size() > max_queued_bytes_) {
    // The client is not reading. Stop the producer now (closed() turns true) and let the
    // session cut the connection and run the callbacks.
    over_cap_ = true;
    gone_ = true;
    items_.clear();
    if (auto session = session_.lock()) session->post_flush();
    return;
  }
  queued_bytes_ += piece.size();
  queue_locked({ResponseItem::Kind::piece, 0, {}, std::move(piece)});
}

void Exchange::end() {
  std::lock_guard lock(mutex_);
  if (gone_) return;
  if (phase_ != Phase::streaming) {
    fail("ResponseWriter::end {}", phase_ == Phase::none ? "before start_stream" : "twice");
  }
  phase_ = Phase::ended;
  queue_locked({ResponseItem::Kind::stream_end, 0, {}, {}});
}

void Exchange::abandon(std::string why) {
  std::lock_guard lock(mutex_);
  if (gone_ || detached_ || phase_ == Phase::ended) return;
  phase_ = Phase::ended;
  queue_locked({ResponseItem::Kind::abandoned, 0, {}, std::move(why)});
}

void Exchange::on_close(std::function<void()> fn) {
  if (!fn) return;
  {
    std::lock_guard lock(mutex_);
    if (!gone_) {
      // A response that has ended no longer cares whether its client stays.
      if (!detached_ && phase_ != Phase::ended) close_callbacks_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

std::vector<ResponseItem> Exchange::take_items() {
  std::lock_guard lock(mutex_);
  flush_posted_ = false;
  return std::exchange(items_, {});
}

void Exchange::release_bytes(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  queued_bytes_ -= std::min(bytes, queued_bytes_);
}

bool Exchange::over_cap() const {
  std::lock_guard lock(mutex_);
  return over_cap_;
}

std::vector<std::function<void()>> Exchange::mark_gone() {
  std::lock_guard lock(mutex_);
  gone_ = true;
  items_.clear();
  queued_bytes_ = 0;
  if (detached_ || (phase_ == Phase::ended && !over_cap_)) close_callbacks_.clear();
  return std::exchange(close_callbacks_, {});
}

void Exchange::detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
  close_callbacks_.clear();
}

ExchangeWriter::~ExchangeWriter() { exchange_->abandon("the route gave no response"); }

void ExchangeWriter::send(int status, HttpHeaders headers, std::string body) {
  exchange_->send(status, std::move(headers), std::move(body));
}

void ExchangeWriter::start_stream(int status, HttpHeaders headers) {
  exchange_->start_stream(status, std::move(headers));
}

void ExchangeWriter::write(std::string piece) { exchange_->write(std::move(piece)); }

void ExchangeWriter::end() { exchange_->end(); }

bool ExchangeWriter::closed() const { return exchange_->gone(); }

void ExchangeWriter::on_close(std::function<void()> fn) { exchange_->on_close(std::move(fn)); }

}  // namespace yak::serve
