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

  // Ids of text already split into special tokens and raw stretches.
  std::vector<int32_t> encode_fragments(std::span<const tokenizer::Fragment> fragments,
                                        bool add_special) const;

  tokenizer::Vocab vocab;
  std::optional<tokenizer::PreTokenizer> pre_tokenizer;  // byte-level BPE only
  tokenizer::SpecialSplitter specials;
};

}  // namespace yak
