// A vocabulary as the matcher sees it: each token's bytes, which tokens end generation,
// and a byte trie of every token that can appear in constrained output, so that the
// allowed tokens of a state are found by one walk that shares the work of common prefixes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yak {
class Tokenizer;
}

namespace yak::grammar {

enum class TokenRole : uint8_t {
  kNever,  // control, unknown, unused, or no bytes: never allowed
  kBytes,  // matched by its bytes
  kEnd,    // end of generation: allowed when the output is complete
};

struct Vocabulary {
  struct Node {
    uint32_t edge_begin = 0, edge_end = 0;    // children: edge_byte/edge_child[begin, end)
    uint32_t token_begin = 0, token_end = 0;  // tokens whose bytes end here: node_tokens[...]
  };

  int32_t n_vocab = 0;
  std::vector<TokenRole> roles;
  std::vector<uint32_t> piece_begin;  // n_vocab + 1 offsets into pieces
  std::string pieces;
  std::vector<int32_t> end_ids;

  std::vector<Node> nodes;  // nodes[0] is the root (the empty prefix)
  std::vector<uint8_t> edge_byte;
  std::vector<uint32_t> edge_child;
  std::vector<int32_t> node_tokens;
  uint32_t max_depth = 0;  // the longest token, in bytes

  std::string_view piece(int32_t id) const {
    return std::string_view(pieces).substr(piece_begin[id], piece_begin[id + 1] - piece_begin[id]);
  }
};

Vocabulary build_vocabulary(const Tokenizer& tokenizer);

}  // namespace yak::grammar
