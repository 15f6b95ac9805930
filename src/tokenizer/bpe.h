// Byte-level BPE: merging the bytes of one pre-tokenized piece by merge rank.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace yak::tokenizer {

// Scratch memory reused across pieces, so the merge loop does not allocate.
struct BpeWorkspace {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t left;  // symbol index
    int32_t left_id;
    int32_t right_id;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

// Appends the tokens of `piece` (raw bytes, not yet mapped to GPT-2 characters).
void bpe_encode_piece(const Vocab& vocab, std::string_view piece, BpeWorkspace& ws,
                      std::vector<int32_t>& out);

}  // namespace yak::tokenizer
