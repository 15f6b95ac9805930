// What a Tokenizer shares between its copies.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_splitter.h"
#include "tokenizer/vocab.h"
#include "yak/tokenizer.h"

namespace yak {

struct Tokenizer::Impl {
  explicit Impl(tokenizer::Vocab v);

  // Ids of text already split into special tokens and raw stretches. drop_unknown: raw text
  // yields no unknown-token ids (characters the vocabulary lacks are left out).
  std::vector<int32_t> encode_fragments(std::span<const tokenizer::Fragment> fragments,
                                        bool add_special, bool drop_unknown = false) const;
  void drop_unknown_ids(std::vector<int32_t>& ids, size_t first) const;

  tokenizer::Vocab vocab;
  std::optional<tokenizer::PreTokenizer> pre_tokenizer;  // byte-level BPE only
  tokenizer::SpecialSplitter specials;
};

}  // namespace yak
