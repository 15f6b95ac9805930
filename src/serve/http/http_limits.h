// What one connection may cost the server: sizes and times past which the HTTP layer answers
// with an error or closes the connection, so that no client can hold memory or threads
// without bound (slow senders, huge requests, readers that never read).
#pragma once

#include <chrono>
#include <cstddef>

namespace yak::serve {

struct HttpLimits {
  // The request line and headers together; over it: 431.
  std::size_t max_header_bytes = 16 * 1024;
  // A request body (after chunked decoding); over it: 413.
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  // From a request's first byte to the end of its head: a client sending a byte at a time
  // (slowloris) is cut off here.
  std::chrono::milliseconds header_timeout{10'000};
  // From the end of the head to the end of the body.
  std::chrono::milliseconds body_timeout{60'000};
  // Waiting for the first byte of a request: on a new connection and between keep-alive
  // requests.
  std::chrono::milliseconds idle_timeout{30'000};
  // One write to the client must make progress within this, or the connection is closed.
  std::chrono::milliseconds write_timeout{30'000};
  // Open connections; one more is answered 503 and closed.
  std::size_t max_connections = 1024;
  // Response bytes queued for one connection and not yet taken by the client (a client that
  // does not read); over it the connection is closed and the response's on_close runs.
  std::size_t max_queued_bytes = 16 * 1024 * 1024;
};

}  // namespace yak::serve
