// What chat and completions responses share: the fields every response and chunk carries,
// usage, finish reasons, and how tokens and log-probabilities are written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "serve/openai/json_body.h"
#include "yak/generate.h"

namespace yak::serve {

struct ResponseMeta {
  std::string id;       // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;    // the name the server shows for its model
  std::string system_fingerprint;
};

// {"id", "object", "created", "model", "system_fingerprint"} in OpenAI's order, then choices.
Json response_head(const ResponseMeta& meta, std::string_view object);

struct UsageCounts {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens whose KV came from the prefix cache
};

// {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details":
// {"cached_tokens"}}
Json usage_json(const UsageCounts& usage);

// "stop" for the end of generation or a stop string; "length" for max_tokens, a full context,
// or a request the server cut short (its time limit, shutdown). A request whose client went
// away (also kCallback) is never answered, so it needs no name.
const char* finish_reason(StopReason reason);

// A log-probability as JSON: float's shortest decimal form (the same float always prints the
// same, so a chosen token's logprob equals its entry among the top ones); -inf, which JSON
// cannot hold, is -9999.0 as OpenAI writes it.
double logprob_json(float logprob);

// A token's text for a "token" field: its bytes when they are valid UTF-8, else with each
// invalid byte written as \xNN (a piece of a character split across tokens); `bytes` arrays
// carry the exact bytes.
std::string token_display(std::string_view piece);
Json token_bytes(std::string_view piece);

// Characters (code points) in `text`, for text_offset: bytes that do not continue a sequence.
size_t utf8_length(std::string_view text);

}  // namespace yak::serve
