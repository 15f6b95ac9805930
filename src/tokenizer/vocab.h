// The tables a tokenizer works from, built once from a VocabSpec and then read-only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pair_map.h"
#include "yak/tokenizer.h"

namespace yak::tokenizer {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringToId = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

struct Vocab {
  Tokenizer::Model model = Tokenizer::Model::kBytePairGpt2;
  std::string pre;
  std::string name;

  std::vector<std::string> text;   // as stored in the file
  std::vector<std::string> piece;  // the bytes the token decodes to
  std::vector<TokenType> type;
  std::vector<float> score;
  StringToId text_to_id;

  // Byte-level BPE: the token of each byte's GPT-2 character. SentencePiece: the
  // <0xNN> token of each byte. -1 where the vocabulary has none.
  std::array<int32_t, 256> byte_token{};
  PairMap merges;        // byte-level BPE only
  StringToId raw_to_id;  // byte-level BPE with ignore_merges: raw bytes -> token
  bool ignore_merges = false;
  // Byte-level BPE: text is put in Unicode NFC before pre-tokenizing (Qwen2's normalizer).
  bool nfc = false;
  // SentencePiece: no token has a space right after another character, so no merge can
  // cross the point before a space that follows a non-space; texts are cut there into
  // words merged separately, which gives the same tokens with much smaller heaps.
  bool spm_split_words = false;

  std::optional<int32_t> bos, eos, unk, pad, eot, eom;
  bool add_bos = false, add_eos = false, add_space_prefix = false;

  std::vector<int32_t> special_ids;  // matched whole in text: control, unknown, user-defined
  std::vector<int32_t> eog_ids;      // sorted

  int32_t size() const { return static_cast<int32_t>(text.size()); }
  std::optional<int32_t> find(std::string_view s) const {
    auto it = text_to_id.find(s);
    if (it == text_to_id.end()) return std::nullopt;
    return it->second;
  }
};

// Validates `spec` and builds the tables; throws yak::Error naming the problem.
Vocab build_vocab(VocabSpec spec);

}  // namespace yak::tokenizer
