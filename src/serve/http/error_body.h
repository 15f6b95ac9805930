// The OpenAI error object, {"error": {"message", "type", "param", "code"}}, for every error
// response: those the HTTP layer makes itself (400, 413, 431, 503) and those of the routes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "serve/http/http_exchange.h"

namespace yak::serve {

// OpenAI's error type for an HTTP status: "invalid_request_error" for most 4xx,
// "authentication_error" (401), "permission_error" (403), "not_found_error" (404),
// "rate_limit_error" (429), "unavailable_error" (503), "server_error" for other 5xx.
std::string_view error_type_for_status(int status);

// {"error": {...}} as a JSON value: for an error sent as one SSE data object after a stream
// began. `param` names the offending request field, when there is one.
nlohmann::json error_json(std::string_view message, std::string_view type,
                          std::optional<std::string_view> param = std::nullopt,
                          std::optional<std::string_view> code = std::nullopt);

// The same, serialized: the body of an error response.
std::string error_body(std::string_view message, std::string_view type,
                       std::optional<std::string_view> param = std::nullopt,
                       std::optional<std::string_view> code = std::nullopt);

// Sends a whole error response: the status, content-type application/json, the error body
// with the status's type, and any extra headers (e.g. Retry-After, WWW-Authenticate).
void send_error(ResponseWriter& writer, int status, std::string_view message,
                std::optional<std::string_view> param = std::nullopt, HttpHeaders extra = {});

}  // namespace yak::serve
