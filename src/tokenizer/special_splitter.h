// Finds special-token texts (e.g. "<|im_start|>") inside raw text.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"
#include "yak/text_span.h"

namespace yak::tokenizer {

struct Fragment {
  std::string_view text;  // raw text when token < 0
  int32_t token = -1;
};

class SpecialSplitter {
 public:
  SpecialSplitter() = default;
  explicit SpecialSplitter(const Vocab& vocab);

  // Splits `text` into raw fragments and special tokens, scanning left to right and
  // taking the longest special token starting at each position (Hugging Face's
  // leftmost-longest rule). Only user-defined tokens match unless parse_special.
  //
  // plain_spans (sorted, disjoint, validated by the caller): byte ranges of `text` where only
  // user-defined tokens match; a control token matches only when no byte of it is in one.
  void split(std::string_view text, bool parse_special, std::vector<Fragment>& out,
             std::span<const TextSpan> plain_spans = {}) const;

 private:
  struct Candidate {
    std::string_view text;
    int32_t id;
    bool always;  // user-defined: matched even without parse_special
  };
  // Candidates by first byte, longest first.
  std::array<std::vector<Candidate>, 256> by_first_byte_;
  bool any_always_ = false;
  bool any_ = false;
};

}  // namespace yak::tokenizer
