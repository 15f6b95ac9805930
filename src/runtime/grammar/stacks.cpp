#include "runtime/grammar/stacks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "yak/grammar.h"

namespace yak::grammar {

namespace {

uint64_t hash_words(const uint32_t* words, size_t n, uint64_t h = 0x9E3779B97F4A7C15ull) {
  for (size_t i = 0; i < n; ++i) {
    h ^= words[i];
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  return h;
}

}  // namespace

bool StackSet::has_empty_stack() const {
  for (uint32_t at : starts_) {
    if (words_[at] == 0) return true;
  }
  return false;
}

ByteSet StackSet::next_bytes(const Rules& rules) const {
  ByteSet bytes;
  for (uint32_t at : starts_) {
    const uint32_t length = words_[at];
    if (length != 0) bytes |= rules.terminal(words_[at + length]);
  }
  return bytes;
}

void StackSet::add(std::span<const uint32_t> prefix, const uint32_t* top) {
  const uint32_t length = static_cast<uint32_t>(prefix.size() + (top ? 1 : 0));
  uint64_t h = hash_words(prefix.data(), prefix.size(), 0x9E3779B97F4A7C15ull + length);
  if (top) h = hash_words(top, 1, h);
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] != h) continue;
    const uint32_t at = starts_[i];
    if (words_[at] == length && std::equal(prefix.begin(), prefix.end(), words_.begin() + at + 1) &&
        (!top || words_[at + length] == *top)) {
      return;
    }
  }
  if (starts_.size() >= kMaxStacks) {
    throw GrammarError(fmt::format(
        "the grammar is too ambiguous: the text so far can be parsed in more than {} ways",
        kMaxStacks));
  }
  starts_.push_back(static_cast<uint32_t>(words_.size()));
  hashes_.push_back(h);
  words_.push_back(length);
  words_.insert(words_.end(), prefix.begin(), prefix.end());
  if (top) words_.push_back(*top);
}

void StackSet::canonicalize() {
  std::vector<uint32_t> order(starts_.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](uint32_t i) {
    const uint32_t at = starts_[i];
    return std::span<const uint32_t>(words_.data() + at, words_[at] + 1);
  };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const auto x = key(a), y = key(b);
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
  });
  std::vector<uint32_t> words;
  std::vector<uint32_t> starts;
  std::vector<uint64_t> hashes;
  words.reserve(words_.size());
  for (uint32_t i : order) {
    const auto k = key(i);
    starts.push_back(static_cast<uint32_t>(words.size()));
    hashes.push_back(hashes_[i]);
    words.insert(words.end(), k.begin(), k.end());
  }
  words_ = std::move(words);
  starts_ = std::move(starts);
  hashes_ = std::move(hashes);
}

uint64_t StackSet::hash() const { return hash_words(words_.data(), words_.size()); }

void Stepper::start(StackSet& out) {
  out.clear();
  scratch_.clear();
  emitted_ = 0;
  const uint32_t root = rules_.root;
  for (uint32_t a = rules_.alternative_begin[root]; a < rules_.alternative_begin[root + 1]; ++a)
    expand(rules_.alternative_starts[a], out);
}

void Stepper::advance(const StackSet& in, uint8_t byte, StackSet& out) {
  out.clear();
  emitted_ = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto stack = in.stack(i);
    if (stack.empty() || !rules_.terminal(stack.back()).test(byte)) continue;
    scratch_.assign(stack.begin(), stack.end() - 1);
    expand(stack.back() + 1, out);
  }
}

// Moves to `position` with scratch_ below it: a terminal is a stack top; a rule reference
// pushes where to return (unless the reference ends its alternative: a tail call, so that
// right recursion such as x* does not grow the stack) and enters each alternative; the end
// of an alternative returns to the position below.
void Stepper::expand(uint32_t position, StackSet& out) {
  const uint32_t element = rules_.elements[position];
  switch (element_kind(element)) {
    case ElementKind::kTerminal:
      emit(&position, out);
      return;
    case ElementKind::kEnd: {
      if (scratch_.empty()) {
        emit(nullptr, out);
        return;
      }
      const uint32_t back = scratch_.back();
      scratch_.pop_back();
      expand(back, out);
      scratch_.push_back(back);
      return;
    }
    case ElementKind::kRule: {
      const uint32_t rule = element_operand(element);
      const bool tail = element_kind(rules_.elements[position + 1]) == ElementKind::kEnd;
      if (!tail) {
        if (scratch_.size() >= kMaxStackDepth) {
          throw GrammarError(fmt::format(
              "the text nests deeper than the matcher's limit of {} open rules", kMaxStackDepth));
        }
        scratch_.push_back(position + 1);
      }
      for (uint32_t a = rules_.alternative_begin[rule]; a < rules_.alternative_begin[rule + 1]; ++a)
        expand(rules_.alternative_starts[a], out);
      if (!tail) scratch_.pop_back();
      return;
    }
  }
}

void Stepper::emit(const uint32_t* top, StackSet& out) {
  if (++emitted_ > kMaxEmissionsPerByte) {
    throw GrammarError(
        fmt::format("the grammar is too ambiguous: one byte leads to more than {} parse stacks",
                    kMaxEmissionsPerByte));
  }
  if (++total_emitted_ > total_limit_) {
    throw GrammarError(fmt::format(
        "the grammar is too ambiguous: computing one token mask took more than {} parse steps",
        total_limit_));
  }
  out.add(scratch_, top);
}

bool matches_text(const Rules& rules, std::span<const uint8_t> text) {
  Stepper stepper(rules);
  StackSet a, b;
  stepper.start(a);
  for (uint8_t byte : text) {
    stepper.advance(a, byte, b);
    if (b.empty()) return false;
    std::swap(a, b);
  }
  return a.has_empty_stack();
}

}  // namespace yak::grammar
