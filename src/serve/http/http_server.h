// The HTTP/1.1 server under `yak serve`: asynchronous Boost.Beast on a few Asio threads
// (never a thread per connection), keep-alive, pipelined requests answered in order, the
// limits of HttpLimits enforced, and every request handed to one route function.
//
//   HttpServer server({.host = "127.0.0.1", .port = 8080}, [](const HttpRequest& request,
//                     std::shared_ptr<ResponseWriter> writer) { writer->send(200, {}, "hi"); });
//   server.start();            // binds; throws yak::Error naming host:port when it cannot
//   ...
//   server.stop_accepting();   // SIGTERM: no new connections; responses in flight go on
//   server.stop();             // closes everything (the destructor does it too)
//
// The route runs on an I/O thread, possibly several at once for different connections; it
// must not block for long (hand the work to the engine and answer through the writer).
// Malformed HTTP gets 400, a head over the limit 431, a body over it 413 (JSON error bodies,
// then the connection closes); anything that parses, whatever its method or target, reaches
// the route.
//
// While a response is being produced the connection keeps a read pending, so a client that
// goes away (even before the first response byte) is noticed at once: its writer turns
// closed() and its on_close callbacks run. A client that only half-closes (shuts down its
// sending side after the request) counts as gone too, as it does for most HTTP servers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "serve/http/http_exchange.h"
#include "serve/http/http_limits.h"

namespace yak::serve {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an address or a name; loopback unless told otherwise
  std::uint16_t port = 0;          // 0: the system picks a free port (see port())
  int io_threads = 2;
  HttpLimits limits;
};

struct ServerShared;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads. Once per server.
  void start();
  // The port listened on (the chosen one when options.port was 0); 0 before start().
  std::uint16_t port() const { return port_; }

  // No new connections from now on; connections idle between requests close, and every
  // response from now on says Connection: close, while responses in flight run to their end.
  void stop_accepting();
  // Closes every connection (their responses' on_close callbacks run) and joins the I/O
  // threads. Not from a route or callback (an I/O thread). Writers that routes still hold
  // stay safe to call: they report closed() and do nothing.
  void stop();

  std::size_t connections() const;            // open connections
  std::size_t responses_in_progress() const;  // requests not yet completely answered

 private:
  struct Running;

  HttpServerOptions options_;
  std::shared_ptr<ServerShared> shared_;
  std::unique_ptr<Running> running_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace yak::serve
