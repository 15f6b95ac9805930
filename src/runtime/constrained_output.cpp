#include "runtime/constrained_output.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace yak::runtime {

ConstrainedOutput::ConstrainedOutput(std::shared_ptr<const TokenGrammar> grammar,
                                     std::vector<std::string> triggers, const Tokenizer& tokenizer)
    : grammar_(std::move(grammar)), triggers_(std::move(triggers)), tokenizer_(tokenizer) {
  YAK_CHECK(grammar_ != nullptr);
  for (const std::string& t : triggers_) {
    if (t.empty()) fail("a grammar trigger must not be empty");
    longest_trigger_ = std::max(longest_trigger_, t.size());
  }
  if (triggers_.empty()) matcher_.emplace(grammar_);
}

void ConstrainedOutput::mask(std::span<float> logits) {
  YAK_CHECK(matcher_.has_value());
  matcher_->apply(logits);
}

std::span<const float> ConstrainedOutput::choosable(std::span<const float> logits) {
  if (!matcher_) return logits;
  masked_.assign(logits.begin(), logits.end());
  matcher_->apply(masked_);
  return masked_;
}

void ConstrainedOutput::accept(int32_t token) {
  if (!matcher_) {
    watch(token);
    return;
  }
  // The mask let only allowed tokens through; anything else is a bug in the matcher.
  YAK_CHECK(matcher_->accept(token));
}

void ConstrainedOutput::watch(int32_t token) {
  if (tokenizer_.is_end_of_generation(token)) return;
  window_ += tokenizer_.token_to_piece(token);
  size_t first = std::string::npos;
  for (const std::string& t : triggers_) first = std::min(first, window_.find(t));
  if (first == std::string::npos) {
    // Keep what could still be the start of a trigger.
    if (window_.size() >= longest_trigger_)
      window_.erase(0, window_.size() - (longest_trigger_ - 1));
    return;
  }
  matcher_.emplace(grammar_);
  const std::string from_trigger = window_.substr(first);
  window_.clear();
  if (!matcher_->accept_bytes(from_trigger)) {
    matcher_.reset();
    ++dropped_;
  }
}

}  // namespace yak::runtime
