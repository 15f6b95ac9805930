// GET /v1/models: the one model this server runs, under the name clients see.
#pragma once

#include <cstdint>
#include <string>

#include "serve/openai/json_body.h"

namespace yak::serve {

// {"object": "list", "data": [{"id", "object": "model", "created", "owned_by": "yak",
// "max_model_len"}]}
Json models_response(const std::string& model_name, int64_t created, int32_t max_model_len);

}  // namespace yak::serve
