// What a request says its output must look like: OpenAI's response_format (text, json_object,
// json_schema) and llama.cpp's extension fields `grammar` (GBNF text) and `json_schema` (a
// schema object), on chat and completions alike. At most one of them may constrain a request.
#pragma once

#include <memory>

#include "serve/openai/json_body.h"
#include "yak/grammar.h"

namespace yak::serve {

// The grammar the output must match, or null for free text. Throws ApiError 400 naming the
// field for a malformed field, two constraints at once, an invalid schema or grammar, or a
// schema keyword Yak does not support (the message names it and where it is).
std::shared_ptr<const Grammar> parse_output_constraint(const Json& body);

}  // namespace yak::serve
