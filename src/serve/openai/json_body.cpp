#include "serve/openai/json_body.h"

#include <fmt/format.h>

#include <string>

#include "serve/openai/api_error.h"
#include "yak/text.h"

namespace yak::serve {
namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] "; the client needs the rest.
std::string without_exception_tag(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  // The message quotes what was last read, which is the client's own bytes: keep it printable,
  // valid UTF-8 and short.
  return escape_for_terminal(what, 0, 300);
}

// Thrown out of the parser callback to stop at the first container past the limit.
struct TooDeep {};

}  // namespace

Json parse_json_object(std::string_view body, int max_depth) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw ApiError(400, "invalid_request_error",
                   "the request body is empty; it must be a JSON object", "", "invalid_json");
  // `depth` counts the containers around the event's position: 0 for the top-level value.
  const Json::parser_callback_t limit_depth = [max_depth](int depth, Json::parse_event_t event,
                                                          Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= max_depth)
      throw TooDeep{};
    return true;
  };
  Json value;
  try {
    value = Json::parse(body, limit_depth);
  } catch (const TooDeep&) {
    throw ApiError(
        400, "invalid_request_error",
        fmt::format("the request body nests arrays and objects deeper than {} levels", max_depth),
        "", "invalid_json");
  } catch (const nlohmann::json::exception& e) {
    throw ApiError(400, "invalid_request_error",
                   "the request body is not valid JSON: " + without_exception_tag(e.what()), "",
                   "invalid_json");
  }
  if (!value.is_object())
    throw ApiError(400, "invalid_request_error",
                   fmt::format("the request body must be a JSON object, not {}", value.type_name()),
                   "", "invalid_json");
  return value;
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace yak::serve
