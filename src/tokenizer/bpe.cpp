#include "tokenizer/bpe.h"

#include <algorithm>

namespace yak::tokenizer {
namespace {

// Min-heap order: lowest rank first, then the leftmost pair (as Hugging Face does).
struct LaterCandidate {
  bool operator()(const BpeWorkspace::Candidate& a, const BpeWorkspace::Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

void push_candidate(const Vocab& vocab, BpeWorkspace& ws, int32_t left) {
  if (left < 0) return;
  const int32_t right = ws.symbols[left].next;
  if (right < 0) return;
  const int32_t left_id = ws.symbols[left].id;
  const int32_t right_id = ws.symbols[right].id;
  if (left_id < 0 || right_id < 0) return;
  const Merge* merge = vocab.merges.find(left_id, right_id);
  if (!merge) return;
  ws.heap.push_back({merge->rank, left, left_id, right_id});
  std::push_heap(ws.heap.begin(), ws.heap.end(), LaterCandidate{});
}

}  // namespace

void bpe_encode_piece(const Vocab& vocab, std::string_view piece, BpeWorkspace& ws,
                      std::vector<int32_t>& out) {
  if (piece.empty()) return;
  if (vocab.ignore_merges) {
    auto it = vocab.raw_to_id.find(piece);
    if (it != vocab.raw_to_id.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Each byte is one GPT-2 character, so the initial symbols are the bytes' tokens.
  const auto n = static_cast<int32_t>(piece.size());
  ws.symbols.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    ws.symbols[i] = {vocab.byte_token[static_cast<uint8_t>(piece[i])], i - 1,
                     i + 1 < n ? i + 1 : -1};
  }
  if (n == 1) {
    if (ws.symbols[0].id >= 0)
      out.push_back(ws.symbols[0].id);
    else if (vocab.unk)
      out.push_back(*vocab.unk);
    return;
  }
  ws.heap.clear();
  for (int32_t i = 0; i + 1 < n; ++i) push_candidate(vocab, ws, i);

  while (!ws.heap.empty()) {
    std::pop_heap(ws.heap.begin(), ws.heap.end(), LaterCandidate{});
    const BpeWorkspace::Candidate c = ws.heap.back();
    ws.heap.pop_back();
    BpeWorkspace::Symbol& left = ws.symbols[c.left];
    // Stale when either side has changed since the candidate was queued: a symbol's
    // id only changes by merging, so equal ids mean the same extent.
    if (left.id != c.left_id || left.next < 0) continue;
    BpeWorkspace::Symbol& right = ws.symbols[left.next];
    if (right.id != c.right_id) continue;
    const Merge* merge = vocab.merges.find(c.left_id, c.right_id);
    left.id = merge->result;
    right.id = -2;  // merged away
    left.next = right.next;
    if (right.next >= 0) ws.symbols[right.next].prev = c.left;
    push_candidate(vocab, ws, left.prev);
    push_candidate(vocab, ws, c.left);
  }

  for (int32_t i = 0; i >= 0; i = ws.symbols[i].next) {
    const int32_t id = ws.symbols[i].id;
    if (id >= 0)
      out.push_back(id);
    else if (vocab.unk)
      out.push_back(*vocab.unk);  // a byte the vocabulary lacks
  }
}

}  // namespace yak::tokenizer
