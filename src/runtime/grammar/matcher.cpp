// TokenGrammar and GrammarMatcher: a sequence's state, its masks (through the shared
// cache) and its advance over tokens.
#include <fmt/format.h>

#include <bit>
#include <chrono>
#include <limits>

#include "runtime/grammar/mask.h"
#include "runtime/grammar/mask_cache.h"
#include "runtime/grammar/stacks.h"
#include "runtime/grammar/vocabulary.h"
#include "yak/grammar.h"

namespace yak {

namespace grammar {

struct MatcherState {
  StackSet stacks;  // canonical
  uint64_t hash = 0;
  bool ended = false;                    // an end-of-generation token was accepted
  std::shared_ptr<const TokenSet> mask;  // of this state, once asked for

  void set(StackSet&& next) {
    next.canonicalize();
    stacks = std::move(next);
    hash = stacks.hash();
    mask.reset();
  }
};

}  // namespace grammar

int32_t TokenSet::count() const {
  int32_t n = 0;
  for (uint64_t w : words_) n += std::popcount(w);
  return n;
}

TokenGrammar::TokenGrammar(Grammar grammar, std::shared_ptr<const GrammarVocabulary> vocabulary)
    : grammar_(std::move(grammar)), vocabulary_(std::move(vocabulary)) {
  if (!vocabulary_) throw Error("TokenGrammar needs a vocabulary");
  cache_ = std::make_unique<grammar::MaskCache>(vocabulary_->n_vocab());
}

TokenGrammar::~TokenGrammar() = default;

GrammarStats TokenGrammar::stats() const {
  return GrammarStats{cache_->masks.load(), cache_->hits.load(), cache_->nanoseconds.load()};
}

GrammarMatcher::GrammarMatcher(std::shared_ptr<const TokenGrammar> grammar)
    : grammar_(std::move(grammar)), state_(std::make_unique<grammar::MatcherState>()) {
  if (!grammar_) throw Error("GrammarMatcher needs a grammar");
  grammar::StackSet start;
  grammar::Stepper(grammar_->grammar().rules()).start(start);
  state_->set(std::move(start));
}

GrammarMatcher::~GrammarMatcher() = default;
GrammarMatcher::GrammarMatcher(const GrammarMatcher& other)
    : grammar_(other.grammar_), state_(std::make_unique<grammar::MatcherState>(*other.state_)) {}
GrammarMatcher& GrammarMatcher::operator=(const GrammarMatcher& other) {
  if (this != &other) {
    grammar_ = other.grammar_;
    state_ = std::make_unique<grammar::MatcherState>(*other.state_);
  }
  return *this;
}
GrammarMatcher::GrammarMatcher(GrammarMatcher&&) noexcept = default;
GrammarMatcher& GrammarMatcher::operator=(GrammarMatcher&&) noexcept = default;

const TokenSet& GrammarMatcher::allowed_tokens() {
  grammar::MaskCache& cache = grammar_->cache();
  if (state_->ended) return *cache.nothing;
  if (state_->mask) return *state_->mask;
  const auto start = std::chrono::steady_clock::now();
  ++cache.masks;
  std::shared_ptr<const TokenSet> mask = cache.find(state_->stacks.words(), state_->hash);
  if (mask) {
    ++cache.hits;
  } else {
    mask = std::make_shared<const TokenSet>(grammar::compute_allowed_tokens(
        grammar_->grammar().rules(), grammar_->vocabulary().impl(), state_->stacks));
    cache.insert(state_->stacks.words(), state_->hash, mask);
  }
  state_->mask = std::move(mask);
  cache.nanoseconds +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  return *state_->mask;
}

void GrammarMatcher::apply(std::span<float> logits) {
  const TokenSet& allowed = allowed_tokens();
  const int32_t n = allowed.n_vocab();
  if (logits.size() < static_cast<size_t>(n)) {
    throw Error(fmt::format("grammar mask needs {} logits, got {}", n, logits.size()));
  }
  constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();
  const auto words = allowed.words();
  for (size_t w = 0; w < words.size(); ++w) {
    const size_t base = w * 64;
    const size_t bits = std::min<size_t>(64, n - base);
    uint64_t refused = ~words[w];
    if (bits < 64) refused &= (uint64_t{1} << bits) - 1;
    if (refused == ~uint64_t{0}) {
      std::fill_n(logits.data() + base, 64, kNegativeInfinity);
      continue;
    }
    while (refused) {
      logits[base + std::countr_zero(refused)] = kNegativeInfinity;
      refused &= refused - 1;
    }
  }
}

bool GrammarMatcher::accept(int32_t token) {
  const grammar::Vocabulary& vocabulary = grammar_->vocabulary().impl();
  if (state_->ended || token < 0 || token >= vocabulary.n_vocab) return false;
  switch (vocabulary.roles[token]) {
    case grammar::TokenRole::kNever:
      return false;
    case grammar::TokenRole::kEnd:
      if (!can_end()) return false;
      state_->ended = true;
      state_->mask.reset();
      return true;
    case grammar::TokenRole::kBytes:
      return accept_bytes(vocabulary.piece(token));
  }
  return false;
}

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
  if (state_->ended) return false;
  if (bytes.empty()) return true;
  grammar::Stepper stepper(grammar_->grammar().rules());
  grammar::StackSet a, b;
  const grammar::StackSet* from = &state_->stacks;
  for (char c : bytes) {
    stepper.advance(*from, static_cast<uint8_t>(c), b);
    if (b.empty()) return false;
    std::swap(a, b);
    from = &a;
  }
  state_->set(std::move(a));
  return true;
}

bool GrammarMatcher::can_end() const { return state_->ended || state_->stacks.has_empty_stack(); }

bool GrammarMatcher::must_end() const {
  if (state_->ended) return true;
  for (size_t i = 0; i < state_->stacks.size(); ++i) {
    if (!state_->stacks.stack(i).empty()) return false;
  }
  return true;
}

}  // namespace yak
