// Log-probabilities in OpenAI's two shapes.
//   chat:        {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token",
//                "logprob", "bytes"}]}]}
//   completions: {"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob}],
//                "text_offset": [...]}, where top_logprobs holds the k most likely tokens plus
//                the chosen one (so up to k + 1), and a prompt's first token (echo) has null
//                for its logprob and its alternatives, having no context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "serve/openai/json_body.h"
#include "yak/logprobs.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

Json chat_logprob_entry(const Tokenizer& tokenizer, const Logprobs& logprobs);

// The completions shape, built a token at a time; take() hands over what was added since the
// last take() (a streamed chunk's share), while text offsets keep counting from the start.
class CompletionLogprobs {
 public:
  explicit CompletionLogprobs(size_t start_offset = 0) : offset_(start_offset) {}

  // `logprobs` null: a prompt's first token (null logprob and alternatives).
  void add(const Tokenizer& tokenizer, int32_t token, const Logprobs* logprobs);
  bool empty() const { return tokens_.empty(); }
  // Where the next token's text begins, in characters of the text shown.
  void set_offset(size_t offset) { offset_ = offset; }
  Json take();

 private:
  Json tokens_ = Json::array();
  Json token_logprobs_ = Json::array();
  Json top_logprobs_ = Json::array();
  Json text_offset_ = Json::array();
  size_t offset_;  // characters of text before the next token
};

}  // namespace yak::serve
