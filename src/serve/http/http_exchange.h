// One HTTP request and the way back to its client, as the HTTP layer hands them to a route
// handler. The handler may answer at once or later from any thread (the engine thread
// streams tokens through it); the writer queues what it is given and sends it on the
// connection's own strand, so writes never block the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yak::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query, e.g. "/v1/chat/completions"
  std::string query;   // after '?', undecoded; empty when none
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // "127.0.0.1:53211"

  // The first header of that (lower-case) name, or empty.
  std::string_view header(std::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // A whole response; the connection goes on with the next request (keep-alive).
  virtual void send(int status, HttpHeaders headers, std::string body) = 0;

  // A response whose body follows in pieces (chunked transfer; SSE sets
  // content-type text/event-stream itself), then end().
  virtual void start_stream(int status, HttpHeaders headers) = 0;
  virtual void write(std::string piece) = 0;
  virtual void end() = 0;

  // True once the client has gone (its connection closed or failed): stop producing.
  virtual bool closed() const = 0;
  // Runs `fn` once when the client goes away before the response ended (on an I/O thread;
  // at once if it is already gone). Used to cancel the request's work.
  virtual void on_close(std::function<void()> fn) = 0;
};

using HttpHandler =
    std::function<void(const HttpRequest& request, std::shared_ptr<ResponseWriter> writer)>;

}  // namespace yak::serve
