// Cross-origin requests from browsers. Off unless origins are configured (--cors-origin):
// then responses to an allowed origin carry Access-Control-Allow-* headers and OPTIONS
// preflights are answered here instead of being routed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "serve/http/http_exchange.h"

namespace yak::serve {

class CorsPolicy {
 public:
  // Off: no CORS headers, preflights are routed like any OPTIONS request.
  CorsPolicy() = default;
  // "*" allows any origin; otherwise a comma-separated list of exact origins, e.g.
  // "https://app.example,http://localhost:3000". Empty means off. Throws yak::Error for an
  // entry that is not an origin (scheme://host[:port]).
  explicit CorsPolicy(std::string_view origins);

  bool enabled() const { return any_origin_ || !origins_.empty(); }

  // Headers to add to the response to `request`: none when off, when it has no Origin header
  // or when its origin is not allowed.
  HttpHeaders response_headers(const HttpRequest& request) const;

  // True for a preflight (OPTIONS with Origin and Access-Control-Request-Method) while on.
  bool is_preflight(const HttpRequest& request) const;

  // Answers a preflight: 204 with the allow headers, or 403 with an error body when the
  // origin is not allowed.
  void answer_preflight(const HttpRequest& request, ResponseWriter& writer) const;

 private:
  bool allows(std::string_view origin) const;

  bool any_origin_ = false;
  std::vector<std::string> origins_;
};

}  // namespace yak::serve
