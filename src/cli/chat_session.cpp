#include "cli/chat_session.h"

#include <algorithm>
#include <span>

#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak::cli {

ChatSession::ChatSession(std::shared_ptr<const Model> model, ChatOptions options)
    : model_(std::move(model)),
      options_(std::move(options)),
      ctx_(model_,
           ContextOptions{.context_size = options_.context_size, .threads = options_.threads}),
      seq_(ctx_.add_sequence()),
      template_(ChatTemplate::parse(options_.template_source)) {
  const Tokenizer& tok = model_->tokenizer();
  if (tok.bos()) bos_text_ = tok.token_text(*tok.bos());
  if (tok.eos()) eos_text_ = tok.token_text(*tok.eos());
  reset(options_.system);
}

void ChatSession::reset(const std::string& system) {
  messages_ = nlohmann::ordered_json::array();
  if (!system.empty()) messages_.push_back({{"role", "system"}, {"content", system}});
}

void ChatSession::set_system(const std::string& system) {
  if (!messages_.empty() && messages_[0]["role"] == "system") {
    if (system.empty())
      messages_.erase(messages_.begin());
    else
      messages_[0]["content"] = system;
  } else if (!system.empty()) {
    messages_.insert(messages_.begin(),
                     nlohmann::ordered_json::object({{"role", "system"}, {"content", system}}));
  }
}

std::vector<int32_t> ChatSession::prompt_tokens(const nlohmann::ordered_json& messages) const {
  const RenderedPrompt prompt = template_.render_prompt(
      chat_template_context(messages, /*add_generation_prompt=*/true, bos_text_, eos_text_));
  // The template writes BOS itself where the model wants one; only its own text may spell
  // control tokens, so a message cannot forge turns.
  std::vector<int32_t> tokens = model_->tokenizer().encode_prompt(prompt.text, prompt.data_spans);
  if (tokens.empty()) fail("the chat template rendered an empty prompt for this conversation");
  return tokens;
}

void ChatSession::keep_cached(size_t length) {
  length = std::min(length, cached_.size());
  ctx_.truncate_sequence(seq_, static_cast<int32_t>(length));
  cached_.resize(length);
}

GenerateResult ChatSession::reply(const std::string& user_text,
                                  const std::function<bool(std::string_view)>& on_text) {
  nlohmann::ordered_json messages = messages_;
  messages.push_back({{"role", "user"}, {"content", user_text}});
  const std::vector<int32_t> tokens = prompt_tokens(messages);

  size_t common = static_cast<size_t>(
      std::mismatch(cached_.begin(), cached_.end(), tokens.begin(), tokens.end()).first -
      cached_.begin());
  if (common == tokens.size()) --common;  // at least one token must run to get logits
  keep_cached(common);
  const std::span<const int32_t> fresh(tokens.data() + common, tokens.size() - common);
  // The prompt and at least one generated token must fit.
  if (!ctx_.has_room(seq_, static_cast<int32_t>(fresh.size()) + 1))
    fail(
        "the conversation ({} tokens with this message) no longer fits the context of {} "
        "tokens; /reset to start over",
        tokens.size(), options_.context_size);

  GenerateOptions gen;
  gen.sampling = options_.sampling;
  gen.sampling.seed = options_.sampling.seed + turns_;
  if (gen.sampling.seed == kRandomSeed) ++gen.sampling.seed;  // stay reproducible
  gen.max_new_tokens = options_.n_predict;
  gen.stop = options_.stop;
  GenerateResult r;
  try {
    r = generate(ctx_, seq_, fresh, gen, on_text);
  } catch (...) {
    keep_cached(common);  // whatever the failed run left in the cache is not on record
    throw;
  }
  ++turns_;
  // generate() leaves the prompt and every generated token but the last in the cache; ask the
  // context rather than assume it, so the record can never run ahead of the cache.
  cached_.insert(cached_.end(), fresh.begin(), fresh.end());
  cached_.insert(cached_.end(), r.tokens.begin(), r.tokens.end());
  cached_.resize(std::min(cached_.size(), static_cast<size_t>(ctx_.sequence_length(seq_))));

  messages.push_back({{"role", "assistant"}, {"content", r.text}});
  messages_ = std::move(messages);
  return r;
}

}  // namespace yak::cli
