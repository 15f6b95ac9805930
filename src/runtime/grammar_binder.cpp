#include "runtime/grammar_binder.h"

namespace yak::runtime {
namespace {

void add(GrammarStats& total, const GrammarStats& s) {
  total.masks += s.masks;
  total.cache_hits += s.cache_hits;
  total.mask_nanoseconds += s.mask_nanoseconds;
}

}  // namespace

GrammarBinder::GrammarBinder(const Tokenizer& tokenizer, size_t capacity)
    : tokenizer_(tokenizer), capacity_(capacity < 1 ? 1 : capacity) {}

std::shared_ptr<const TokenGrammar> GrammarBinder::bind(const Grammar& grammar) {
  const std::lock_guard<std::mutex> lock(mu_);
  for (auto it = recent_.begin(); it != recent_.end(); ++it) {
    if (it->first != grammar.source()) continue;
    recent_.splice(recent_.begin(), recent_, it);
    return recent_.front().second;
  }
  if (!vocabulary_) vocabulary_ = std::make_shared<const GrammarVocabulary>(tokenizer_);
  auto bound = std::make_shared<const TokenGrammar>(grammar, vocabulary_);
  recent_.emplace_front(grammar.source(), bound);
  if (recent_.size() > capacity_) {
    // Requests still running under it keep it; what it costs them from now on goes uncounted.
    add(evicted_, recent_.back().second->stats());
    recent_.pop_back();
  }
  return bound;
}

GrammarStats GrammarBinder::stats() const {
  const std::lock_guard<std::mutex> lock(mu_);
  GrammarStats total = evicted_;
  for (const auto& [source, bound] : recent_) add(total, bound->stats());
  return total;
}

}  // namespace yak::runtime
