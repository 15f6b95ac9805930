#include "runtime/grammar/vocabulary.h"

#include <algorithm>
#include <numeric>

#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak::grammar {

namespace {

class TrieBuilder {
 public:
  TrieBuilder(Vocabulary& v, std::vector<int32_t> ids) : v_(v), ids_(std::move(ids)) {}

  void build() {
    std::sort(ids_.begin(), ids_.end(), [&](int32_t a, int32_t b) {
      const auto x = v_.piece(a), y = v_.piece(b);
      return x != y ? x < y : a < b;
    });
    v_.nodes.emplace_back();
    fill(0, 0, ids_.size(), 0);
  }

 private:
  Vocabulary& v_;
  std::vector<int32_t> ids_;

  // ids_[lo, hi) share their first `depth` bytes and end at or below node `node`.
  void fill(uint32_t node, size_t lo, size_t hi, uint32_t depth) {
    v_.max_depth = std::max(v_.max_depth, depth);
    v_.nodes[node].token_begin = static_cast<uint32_t>(v_.node_tokens.size());
    while (lo < hi && v_.piece(ids_[lo]).size() == depth) v_.node_tokens.push_back(ids_[lo++]);
    v_.nodes[node].token_end = static_cast<uint32_t>(v_.node_tokens.size());

    std::vector<std::pair<size_t, size_t>> groups;  // runs sharing the next byte
    for (size_t i = lo; i < hi;) {
      const char byte = v_.piece(ids_[i])[depth];
      size_t j = i + 1;
      while (j < hi && v_.piece(ids_[j])[depth] == byte) ++j;
      groups.emplace_back(i, j);
      i = j;
    }
    const uint32_t edges = static_cast<uint32_t>(v_.edge_byte.size());
    v_.nodes[node].edge_begin = edges;
    v_.nodes[node].edge_end = edges + static_cast<uint32_t>(groups.size());
    v_.edge_byte.resize(edges + groups.size());
    v_.edge_child.resize(edges + groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      const uint32_t child = static_cast<uint32_t>(v_.nodes.size());
      v_.nodes.emplace_back();
      v_.edge_byte[edges + g] = static_cast<uint8_t>(v_.piece(ids_[groups[g].first])[depth]);
      v_.edge_child[edges + g] = child;
      fill(child, groups[g].first, groups[g].second, depth + 1);
    }
  }
};

}  // namespace

Vocabulary build_vocabulary(const Tokenizer& tokenizer) {
  Vocabulary v;
  v.n_vocab = tokenizer.n_vocab();
  v.roles.assign(v.n_vocab, TokenRole::kNever);
  v.piece_begin.reserve(v.n_vocab + 1);
  v.piece_begin.push_back(0);
  for (int32_t id : tokenizer.end_of_generation_ids()) {
    if (id >= 0 && id < v.n_vocab && v.roles[id] != TokenRole::kEnd) {
      v.roles[id] = TokenRole::kEnd;
      v.end_ids.push_back(id);
    }
  }
  std::vector<int32_t> in_trie;
  for (int32_t id = 0; id < v.n_vocab; ++id) {
    const TokenType type = tokenizer.token_type(id);
    const bool never =
        type == TokenType::kControl || type == TokenType::kUnknown || type == TokenType::kUnused;
    if (v.roles[id] != TokenRole::kEnd && !never) {
      std::string piece = tokenizer.token_to_piece(id);
      if (!piece.empty()) {
        v.roles[id] = TokenRole::kBytes;
        v.pieces += piece;
        in_trie.push_back(id);
      }
    }
    v.piece_begin.push_back(static_cast<uint32_t>(v.pieces.size()));
  }
  TrieBuilder(v, std::move(in_trie)).build();
  return v;
}

}  // namespace yak::grammar

namespace yak {

GrammarVocabulary::GrammarVocabulary(const Tokenizer& tokenizer)
    : impl_(std::make_unique<const grammar::Vocabulary>(grammar::build_vocabulary(tokenizer))) {}
GrammarVocabulary::~GrammarVocabulary() = default;
int32_t GrammarVocabulary::n_vocab() const { return impl_->n_vocab; }

}  // namespace yak
