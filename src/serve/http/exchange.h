// One request's response in flight between the route (any thread) and the connection's
// session (its strand). The route's ResponseWriter calls land here under a mutex, are checked
// for misuse, counted against the connection's queue cap and queued as items; the session
// takes the items on its strand, frames them and writes them. Closing is decided here too:
// whoever notices the client has gone (the session, or a write over the cap) marks the
// exchange gone, and the on_close callbacks run exactly once.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/http/http_exchange.h"

namespace yak::serve {

class Session;

// What the route asked for, in order.
struct ResponseItem {
  enum class Kind {
    whole,        // send(): status, headers, body
    stream_head,  // start_stream(): status, headers
    piece,        // write(): body bytes (counted against the queue cap)
    stream_end,   // end()
    abandoned,    // the route dropped its writer or threw before finishing: body = why
  };
  Kind kind;
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

class Exchange {
 public:
  Exchange(std::weak_ptr<Session> session, std::size_t max_queued_bytes);

  // The route's side (ResponseWriter); any thread. Misuse (a second response, write before
  // start_stream, bad headers) throws yak::Error; calls after the client has gone do nothing.
  void send(int status, HttpHeaders headers, std::string body);
  void start_stream(int status, HttpHeaders headers);
  void write(std::string piece);
  void end();
  void abandon(std::string why);  // no-op once the response ended
  bool gone() const { return gone_.load(std::memory_order_acquire); }
  void on_close(std::function<void()> fn);

  // The session's side; its strand.
  std::vector<ResponseItem> take_items();
  // Bytes of pieces the session has written, no longer queued.
  void release_bytes(std::size_t bytes);
  // True when a write went over the queue cap: the session must close the connection.
  bool over_cap() const;
  // The client has gone (or the server closes it): returns the callbacks to run (outside any
  // lock), empty when the response had ended or they already ran.
  std::vector<std::function<void()>> mark_gone();
  // The response is complete on the wire; the writer is now inert.
  void detach();

 private:
  enum class Phase { none, streaming, ended };
  void queue_locked(ResponseItem item);

  mutable std::mutex mutex_;
  std::atomic<bool> gone_{false};
  std::weak_ptr<Session> session_;
  const std::size_t max_queued_bytes_;
  Phase phase_ = Phase::none;
  bool detached_ = false;
  bool over_cap_ = false;
  bool flush_posted_ = false;
  std::size_t queued_bytes_ = 0;
  std::vector<ResponseItem> items_;
  std::vector<std::function<void()>> close_callbacks_;
};

// The ResponseWriter a route receives. Dropping the last reference without finishing the
// response abandons it: the client gets a 500 (nothing sent yet) or a cut connection.
class ExchangeWriter final : public ResponseWriter {
 public:
  explicit ExchangeWriter(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  ~ExchangeWriter() override;

  void send(int status, HttpHeaders headers, std::string body) override;
  void start_stream(int status, HttpHeaders headers) override;
  void write(std::string piece) override;
  void end() override;
  bool closed() const override;
  void on_close(std::function<void()> fn) override;

 private:
  std::shared_ptr<Exchange> exchange_;
};

}  // namespace yak::serve
