#include "serve/openai/logprobs_json.h"

#include <string>

#include "serve/openai/response_common.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

Json chat_top_entry(const Tokenizer& tokenizer, const TokenLogprob& t) {
  const std::string piece = tokenizer.token_to_piece(t.token);
  Json entry = Json::object();
  entry["token"] = token_display(piece);
  entry["logprob"] = logprob_json(t.logprob);
  entry["bytes"] = token_bytes(piece);
  return entry;
}

}  // namespace

Json chat_logprob_entry(const Tokenizer& tokenizer, const Logprobs& logprobs) {
  Json entry = chat_top_entry(tokenizer, logprobs.chosen);
  Json top = Json::array();
  for (const TokenLogprob& t : logprobs.top) top.push_back(chat_top_entry(tokenizer, t));
  entry["top_logprobs"] = std::move(top);
  return entry;
}

void CompletionLogprobs::add(const Tokenizer& tokenizer, int32_t token, const Logprobs* logprobs) {
  const std::string piece = tokenizer.token_to_piece(token);
  tokens_.push_back(token_display(piece));
  text_offset_.push_back(offset_);
  offset_ += utf8_length(piece);
  if (logprobs == nullptr) {
    token_logprobs_.push_back(nullptr);
    top_logprobs_.push_back(nullptr);
    return;
  }
  token_logprobs_.push_back(logprob_json(logprobs->chosen.logprob));
  // A dict keyed by text: where two tokens read the same, the likelier one's entry stands.
  Json top = Json::object();
  for (const TokenLogprob& t : logprobs->top) {
    const std::string key = token_display(tokenizer.token_to_piece(t.token));
    if (!top.contains(key)) top[key] = logprob_json(t.logprob);
  }
  const std::string chosen = token_display(piece);
  if (!top.contains(chosen)) top[chosen] = logprob_json(logprobs->chosen.logprob);
  top_logprobs_.push_back(std::move(top));
}

Json CompletionLogprobs::take() {
  Json out = Json::object();
  out["tokens"] = std::exchange(tokens_, Json::array());
  out["token_logprobs"] = std::exchange(token_logprobs_, Json::array());
  out["top_logprobs"] = std::exchange(top_logprobs_, Json::array());
  out["text_offset"] = std::exchange(text_offset_, Json::array());
  return out;
}

}  // namespace yak::serve
