// Parsing a request body into JSON without trusting it: a bound on nesting depth (checked while
// parsing, so a body of a million '[' costs nothing), and strings that must be valid UTF-8
// (nlohmann's lexer checks them, unpaired \u surrogates included). Every failure is an
// ApiError 400 whose message says where the body went wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace yak::serve {

using Json = nlohmann::ordered_json;

// The body as a JSON object; anything else (empty, not JSON, deeper than max_depth arrays
// and objects, invalid UTF-8, numbers out of range, a top level that is not an object) throws
// ApiError 400.
Json parse_json_object(std::string_view body, int max_depth);

// Serialises a response. Strings that are not valid UTF-8 (none should reach here) become
// U+FFFD rather than throwing, so formatting a response can never fail.
std::string dump_json(const Json& value);

}  // namespace yak::serve
