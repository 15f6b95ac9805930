// The bytes of HTTP/1.1 responses as the session writes them: status line and headers,
// chunk framing; and the checks that keep a route's headers from breaking that framing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "serve/http/http_exchange.h"

namespace yak::serve::wire {

// Throws yak::Error unless 200 <= status <= 599 (1xx answers are the HTTP layer's own).
void check_status(int status);

// Throws yak::Error naming the header when a name is not an HTTP token or a value holds a
// control character (CR, LF, NUL, ...): such a header would split the response.
void check_headers(const HttpHeaders& headers);

// 204 and 304 responses never carry a body (nor a length).
bool status_has_body(int status);

enum class Framing {
  content_length,  // Content-Length: the body's size
  chunked,         // Transfer-Encoding: chunked
  until_close,     // the body ends when the connection does (HTTP/1.0 streams)
  none,            // no body at all (204, 304)
};

enum class Persistence {
  close,       // Connection: close
  keep_alive,  // Connection: keep-alive (an HTTP/1.0 client that asked for it)
  implied,     // nothing: HTTP/1.1 connections persist by default
};

// "HTTP/1.1 200 OK\r\n" + the route's headers + framing and connection headers + "\r\n".
// The route's own Content-Length, Transfer-Encoding and Connection headers are dropped: the
// HTTP layer alone decides how the body is delimited.
std::string response_head(int status, const HttpHeaders& headers, Framing framing,
                          std::size_t content_length, Persistence persistence);

// One chunk of a chunked body; an empty piece gives no bytes, since an empty chunk would
// end the body.
std::string chunk(std::string_view piece);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The path and the query of a request target: "/a?b" -> {"/a", "b"}; an absolute target
// "http://host/a?b" gives the same; "*" stays "*".
std::pair<std::string, std::string> split_target(std::string_view target);

// Lower-case ASCII copy (header names).
std::string lower(std::string_view text);

}  // namespace yak::serve::wire
