// The pushdown automaton: a state is a set of parse stacks, each a list of element
// positions (bottom first). The top of a non-empty stack is always a terminal or a dispatch,
// what takes the next byte; the positions below are where to continue when the rule above finishes.
// An empty stack means the whole text so far is a complete match.
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

uint64_t hash_words(const uint32_t* words, size_t n, uint64_t seed = 0x9E3779B97F4A7C15ull);

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
    if (!slots_.empty()) slots_.clear();
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
  // For large sets, an open-addressing index of hashes_ (stack index + 1; 0 is free), so
  // that de-duplicating n stacks costs O(n), not O(n^2).
  std::vector<uint32_t> slots_;
  static constexpr size_t kScanBelow = 32;

  bool holds(size_t i, std::span<const uint32_t> prefix, const uint32_t* top,
             uint32_t length) const;
  void reindex(size_t slot_count);
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
  // The stacks that continue after a rule returns to the positions `below` (bottom first):
  // the state right after a frame on top of them finished.
  void resume(std::span<const uint32_t> below, StackSet& out);
  // Frame mode: stacks are the top part of longer ones, and finishing them is not a
  // complete match but an exit into the unknown stack below, which exited() reports (for
  // the last advance) instead of an empty stack.
  void set_frame_mode(bool on) { frame_mode_ = on; }
  bool exited() const { return exited_; }
  // Bounds the stacks that advances may produce, counted down in `*budget` (shared by the
  // steppers of one mask computation); GrammarError when it runs out.
  void share_budget(size_t* budget) { budget_ = budget; }

 private:
  void expand(uint32_t position, StackSet& out);
  void push_return(uint32_t position);
  void emit(const uint32_t* top, StackSet& out);

  const Rules& rules_;
  std::vector<uint32_t> scratch_;  // the stack below the position being expanded
  size_t emitted_ = 0;
  bool frame_mode_ = false;
  bool exited_ = false;
  size_t* budget_ = nullptr;
};

// Whether the whole of `text` is a sentence of the grammar.
bool matches_text(const Rules& rules, std::span<const uint8_t> text);

}  // namespace yak::grammar
