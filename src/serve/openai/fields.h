// Reading a request's fields by name, each checked for its type and range. A field that is
// absent or null reads as nullopt (OpenAI's clients send null for "the default"); a field that
// is present but wrong throws ApiError 400 naming it (`param`), e.g. "'temperature' must be a
// number between 0 and 2, got 3.5". Integers may be written as 5 or 5.0, never "5" or true.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serve/openai/json_body.h"

namespace yak::serve {

// The field `name` of `object`, or null when absent.
const Json* field(const Json& object, std::string_view name);

// What a value is, for messages: "a string", "an array", "null", ...
std::string json_kind(const Json& value);

// `param` is the name used in messages (e.g. "stream_options.include_usage").
std::optional<bool> read_bool(const Json& object, std::string_view name, std::string_view param);
std::optional<int64_t> read_int(const Json& object, std::string_view name, std::string_view param,
                                int64_t min, int64_t max);
std::optional<double> read_number(const Json& object, std::string_view name, std::string_view param,
                                  double min, double max);
std::optional<std::string> read_string(const Json& object, std::string_view name,
                                       std::string_view param);

// For a value already in hand (an array element).
int64_t int_value(const Json& value, std::string_view param, int64_t min, int64_t max);

// "messages[3].content"
std::string indexed(std::string_view param, size_t index);

}  // namespace yak::serve
