// SentencePiece-style BPE (tokenizer.ggml.model "llama"): characters are merged
// greedily by the score of the token their concatenation forms; characters outside
// the vocabulary fall back to <0xNN> byte tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace yak::tokenizer {

struct SpmWorkspace {
  struct Symbol {
    uint32_t start;
    uint32_t length;  // 0 once merged into the symbol on its left
    int32_t prev;
    int32_t next;
    int32_t id;  // token of the symbol's text, -1 if none
  };
  struct Candidate {
    float score;
    int32_t left;
    int32_t right;
    uint32_t length;  // of the merged text, to detect stale candidates
    int32_t id;
  };
  std::string text;  // the escaped fragment
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

// Tokenizes one fragment of raw text (no special tokens inside). `prefix_space`
// prepends the space SentencePiece adds at the start of a text.
void spm_encode_fragment(const Vocab& vocab, std::string_view fragment, bool prefix_space,
                         SpmWorkspace& ws, std::vector<int32_t>& out);

}  // namespace yak::tokenizer
