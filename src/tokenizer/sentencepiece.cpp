#include "tokenizer/sentencepiece.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace yak::tokenizer {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Max-heap order: highest score first, then the leftmost pair.
struct LaterCandidate {
  bool operator()(const SpmWorkspace::Candidate& a, const SpmWorkspace::Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

void push_candidate(const Vocab& vocab, SpmWorkspace& ws, int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const SpmWorkspace::Symbol& l = ws.symbols[left];
  const SpmWorkspace::Symbol& r = ws.symbols[right];
  const std::string_view joined(ws.text.data() + l.start, l.length + r.length);
  const auto id = vocab.find(joined);
  if (!id) return;
  ws.heap.push_back({vocab.score[*id], left, right, l.length + r.length, *id});
  std::push_heap(ws.heap.begin(), ws.heap.end(), LaterCandidate{});
}

void emit_bytes(const Vocab& vocab, std::string_view bytes, std::vector<int32_t>& out) {
  for (char c : bytes) {
    const int32_t id = vocab.byte_token[static_cast<uint8_t>(c)];
    if (id >= 0) {
      out.push_back(id);
    } else if (vocab.unk) {
      out.push_back(*vocab.unk);
    }
  }
}

}  // namespace

namespace {

// Merges the characters of ws.text[begin, end) and appends the tokens.
void encode_word(const Vocab& vocab, size_t begin, size_t end, SpmWorkspace& ws,
                 std::vector<int32_t>& out) {
  ws.symbols.clear();
  for (size_t pos = begin; pos < end;) {
    const size_t valid = utf8_valid_length(std::string_view(ws.text).substr(0, end), pos);
    const size_t length = valid == 0 ? 1 : valid;  // an invalid byte is a symbol of its own
    const auto index = static_cast<int32_t>(ws.symbols.size());
    const std::string_view text(ws.text.data() + pos, length);
    ws.symbols.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(length), index - 1,
                          index + 1, vocab.find(text).value_or(-1)});
    pos += length;
  }
  if (ws.symbols.empty()) return;
  ws.symbols.back().next = -1;

  ws.heap.clear();
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(ws.symbols.size()); ++i) {
    push_candidate(vocab, ws, i, i + 1);
  }
  while (!ws.heap.empty()) {
    std::pop_heap(ws.heap.begin(), ws.heap.end(), LaterCandidate{});
    const SpmWorkspace::Candidate c = ws.heap.back();
    ws.heap.pop_back();
    SpmWorkspace::Symbol& left = ws.symbols[c.left];
    SpmWorkspace::Symbol& right = ws.symbols[c.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != c.length ||
        left.next != c.right) {
      continue;  // stale: one side changed since the candidate was queued
    }
    left.length += right.length;
    left.id = c.id;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) ws.symbols[right.next].prev = c.left;
    push_candidate(vocab, ws, left.prev, c.left);
    push_candidate(vocab, ws, c.left, left.next);
  }

  for (int32_t i = 0; i >= 0; i = ws.symbols[i].next) {
    const SpmWorkspace::Symbol& s = ws.symbols[i];
    if (s.id >= 0) {
      out.push_back(s.id);
    } else {
      emit_bytes(vocab, std::string_view(ws.text.data() + s.start, s.length), out);
    }
  }
}

}  // namespace

void spm_encode_fragment(const Vocab& vocab, std::string_view fragment, bool prefix_space,
                         SpmWorkspace& ws, std::vector<int32_t>& out) {
  ws.text.clear();
  if (prefix_space) ws.text.append(kSpace);
  for (char c : fragment) {
    if (c == ' ')
      ws.text.append(kSpace);
    else
      ws.text.push_back(c);
  }
  if (ws.text.empty()) return;
  if (ws.text.size() > 0xFFFFFFF0u)
    fail("text of {} bytes is too long to tokenize", ws.text.size());
  if (!vocab.spm_split_words) {
    encode_word(vocab, 0, ws.text.size(), ws, out);
    return;
  }
  // Cut before each space that follows another character (see Vocab::spm_split_words).
  const std::string_view text(ws.text);
  size_t begin = 0;
  for (size_t k = text.find(kSpace, 1); k != std::string_view::npos; k = text.find(kSpace, k + 1)) {
    if (k >= kSpace.size() && text.compare(k - kSpace.size(), kSpace.size(), kSpace) == 0) continue;
    encode_word(vocab, begin, k, ws, out);
    begin = k;
  }
  encode_word(vocab, begin, text.size(), ws, out);
}

}  // namespace yak::tokenizer
