// What a Tokenizer shares between its copies.
#pragma once

#include <optional>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_splitter.h"
#include "tokenizer/vocab.h"
#include "yak/tokenizer.h"

namespace yak {

struct Tokenizer::Impl {
  explicit Impl(tokenizer::Vocab v);

  tokenizer::Vocab vocab;
  std::optional<tokenizer::PreTokenizer> pre_tokenizer;  // byte-level BPE only
  tokenizer::SpecialSplitter specials;
};

}  // namespace yak
