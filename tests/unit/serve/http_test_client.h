// A tiny blocking HTTP/1.1 client over loopback TCP for the server tests: raw sockets, so a
// test can send exactly the bytes it wants (garbage, a byte at a time, a request and then
// nothing) and see exactly what comes back, with a deadline on every wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "serve/http/http_server.h"

namespace yak::serve::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // without chunk framing
  bool chunked = false;
  std::vector<std::string> chunks;
  std::vector<Clock::time_point> chunk_times;  // when each chunk had arrived

  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot. A positive
  // `receive_buffer` shrinks the socket's receive buffer (set before connecting).
  explicit TestClient(std::uint16_t port, int receive_buffer = 0);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // All of `bytes`; false when the connection is closed or reset.
  bool send(std::string_view bytes);
  // The next response, or nullopt when the connection closed or `timeout` passed first.
  // 1xx responses are skipped unless `keep_interim`; `head` says the request was HEAD (the
  // response has a length but no body).
  std::optional<ClientResponse> read_response(std::chrono::milliseconds timeout = 5s,
                                              bool keep_interim = false, bool head = false);
  // True when the server closes (EOF or reset) within `timeout`; bytes before are dropped.
  bool wait_closed(std::chrono::milliseconds timeout);
  // Closes our end; with `reset`, abortively (RST instead of FIN).
  void close(bool reset = false);

 private:
  // Reads more into buffer_; false on EOF, error or the deadline.
  bool fill(Clock::time_point deadline);
  bool fill_until(std::string_view marker, Clock::time_point deadline);
  bool fill_to(std::size_t size, Clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

// "METHOD target HTTP/1.1" with Host and (when there is a body) Content-Length, then
// `extra_headers` (each ending in \r\n), the blank line and the body.
std::string http_request(std::string_view method, std::string_view target,
                         std::string_view body = {}, std::string_view extra_headers = {});

// A server on 127.0.0.1 and a free port, started.
struct TestServer {
  explicit TestServer(HttpHandler handler, HttpLimits limits = {}, int io_threads = 2)
      : server({.host = "127.0.0.1", .port = 0, .io_threads = io_threads, .limits = limits},
               std::move(handler)) {
    server.start();
  }
  std::uint16_t port() const { return server.port(); }
  HttpServer server;
};

// Threads a test starts (routes answering later), joined when it ends.
class ThreadGroup {
 public:
  ~ThreadGroup() {
    for (auto& thread : threads_) thread.join();
  }
  template <typename Fn>
  void spawn(Fn fn) {
    threads_.emplace_back(std::move(fn));
  }

 private:
  std::vector<std::thread> threads_;
};

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// One GET on a new connection; the time it took, or nullopt when it failed.
std::optional<std::chrono::milliseconds> timed_get(std::uint16_t port, std::string_view target,
                                                   std::chrono::milliseconds timeout = 5s);

}  // namespace yak::serve::test
