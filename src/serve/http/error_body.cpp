#include "serve/http/error_body.h"

#include <utility>

namespace yak::serve {

std::string_view error_type_for_status(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 503:
      return "unavailable_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

nlohmann::json error_json(std::string_view message, std::string_view type,
                          std::optional<std::string_view> param,
                          std::optional<std::string_view> code) {
  auto optional_string = [](std::optional<std::string_view> value) {
    return value ? nlohmann::json(std::string(*value)) : nlohmann::json(nullptr);
  };
  return {{"error",
           {{"message", std::string(message)},
            {"type", std::string(type)},
            {"param", optional_string(param)},
            {"code", optional_string(code)}}}};
}

std::string error_body(std::string_view message, std::string_view type,
                       std::optional<std::string_view> param,
                       std::optional<std::string_view> code) {
  // Messages may quote client input that is not valid UTF-8; replace rather than throw.
  return error_json(message, type, param, code)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_error(ResponseWriter& writer, int status, std::string_view message,
                std::optional<std::string_view> param, HttpHeaders extra) {
  extra.emplace_back("content-type", "application/json");
  writer.send(status, std::move(extra), error_body(message, error_type_for_status(status), param));
}

}  // namespace yak::serve
