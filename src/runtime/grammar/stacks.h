// The pushdown automaton: a state is a set of parse stacks, each a list of element
// positions (bottom first). The top of a non-empty stack is always a terminal, the byte it
// takes next; the positions below are where to continue when the rule above finishes. An
// empty stack means the whole text so far is a complete match.
//
// Stacks live packed in one flat buffer ([length, positions...] per stack), so advancing a
// state allocates nothing once the buffers have grown, and a state is cheap to hash and
// compare (the mask cache's key).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "runtime/grammar/rules.h"

namespace yak::grammar {

class StackSet {
 public:
  size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  std::span<const uint32_t> stack(size_t i) const {
    const uint32_t at = starts_[i];
    return {words_.data() + at + 1, words_[at]};
  }
  // Whether some stack is empty: the text so far is a sentence.
  bool has_empty_stack() const;
  // The bytes some stack can take next.
  ByteSet next_bytes(const Rules& rules) const;

  void clear() {
    words_.clear();
    starts_.clear();
    hashes_.clear();
  }
  // Adds prefix + [top] (or just prefix when top is absent) unless the set holds it already.
  void add(std::span<const uint32_t> prefix, const uint32_t* top);
  // Orders the stacks canonically (equal sets then have equal words()).
  void canonicalize();

  const std::vector<uint32_t>& words() const { return words_; }
  uint64_t hash() const;  // of words(); meaningful after canonicalize()

 private:
  std::vector<uint32_t> words_;
  std::vector<uint32_t> starts_;
  std::vector<uint64_t> hashes_;  // per stack, for de-duplication
};

// Advances states; holds the scratch stack, so one per thread of work.
class Stepper {
 public:
  explicit Stepper(const Rules& rules) : rules_(rules) {}
  // The state before any text: the root rule's alternatives, expanded.
  void start(StackSet& out);
  // `out` = the stacks of `in` that take `byte`, moved past it. Throws GrammarError when
  // the grammar is too ambiguous (more than kMaxStacks stacks) or nests too deep.
  void advance(const StackSet& in, uint8_t byte, StackSet& out);
  // Bounds the stacks all advances together may produce (a mask walk); GrammarError past it.
  void limit_total(size_t emissions) { total_limit_ = emissions; }

 private:
  void expand(uint32_t position, StackSet& out);
  void emit(const uint32_t* top, StackSet& out);

  const Rules& rules_;
  std::vector<uint32_t> scratch_;  // the stack below the position being expanded
  size_t emitted_ = 0;
  size_t total_emitted_ = 0;
  size_t total_limit_ = std::numeric_limits<size_t>::max();
};

// Whether the whole of `text` is a sentence of the grammar.
bool matches_text(const Rules& rules, std::span<const uint8_t> text);

}  // namespace yak::grammar
