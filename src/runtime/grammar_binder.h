// Binds the grammars of requests to one model's vocabulary. The vocabulary's trie is built
// at the first grammar (not every model user needs it), and the bound grammars of the most
// recently used sources are kept, so that requests with the same schema share one mask
// cache: the second request of a schema finds most of its masks computed.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak::runtime {

class GrammarBinder {
 public:
  explicit GrammarBinder(const Tokenizer& tokenizer, size_t capacity = 32);

  // Thread-safe.
  std::shared_ptr<const TokenGrammar> bind(const Grammar& grammar);
  // Over every grammar bound so far, those no longer kept included.
  GrammarStats stats() const;

 private:
  const Tokenizer& tokenizer_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::shared_ptr<const GrammarVocabulary> vocabulary_;
  std::list<std::pair<std::string, std::shared_ptr<const TokenGrammar>>> recent_;  // newest first
  GrammarStats evicted_;
};

}  // namespace yak::runtime
