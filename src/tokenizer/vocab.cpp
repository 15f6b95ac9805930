#include "tokenizer/vocab.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/utf8.h"
#include "yak/text.h"

namespace yak::tokenizer {
namespace {

// How much of a bad value from the file an error message repeats.
constexpr size_t kMaxShownBytes = 80;

// Control tokens that end a turn in the chat formats of common models.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
};

// Messages name the GGUF keys the VocabSpec fields come from: that is where a user looks.
std::optional<int32_t> checked_id(const Vocab& vocab, const std::optional<int32_t>& id,
                                  std::string_view what) {
  // Some files write -1 for "none".
  if (!id || *id < 0) return std::nullopt;
  if (*id >= vocab.size()) {
    fail("{}: tokenizer.ggml.{}_token_id = {} is outside the vocabulary of {} tokens", vocab.name,
         what, *id, vocab.size());
  }
  return id;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A SentencePiece byte token is "<0xNN>" and stands for the byte NN. Anything else marked
// as a byte token has no byte to decode to, so the file is refused rather than guessed at.
std::string byte_token_piece(const VocabSpec& spec, size_t id, const std::string& text) {
  if (text.size() == 6 && text.starts_with("<0x") && text.back() == '>') {
    const int high = hex_digit(text[3]), low = hex_digit(text[4]);
    if (high >= 0 && low >= 0) return std::string(1, static_cast<char>(high * 16 + low));
  }
  fail(
      "{}: tokenizer.ggml.tokens: token {} '{}' has type BYTE but is not of the form <0xNN> "
      "(two hex digits)",
      spec.name, id, escape_for_terminal(text, '\'', kMaxShownBytes));
}

std::string sentencepiece_piece(const std::string& text, TokenType type) {
  if (type == TokenType::kControl || type == TokenType::kUnknown) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

std::string byte_level_piece(const std::string& text, TokenType type) {
  if (type == TokenType::kControl || type == TokenType::kUnknown) return text;
  // Like Hugging Face's ByteLevel decoder: a token made only of byte characters
  // becomes its bytes; any other (an added token stored as plain text) stays as is.
  std::string out;
  if (ByteCharMap::get().decode(text, out)) return out;
  return text;
}

void build_byte_level(Vocab& vocab, const VocabSpec& spec) {
  const ByteCharMap& map = ByteCharMap::get();
  for (int b = 0; b < 256; ++b) {
    vocab.byte_token[b] = vocab.find(map.char_of(static_cast<uint8_t>(b))).value_or(-1);
  }
  vocab.merges.reserve(spec.merges.size());
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const std::string& merge = spec.merges[rank];
    // Token texts never contain a plain space in byte-level vocabularies, so the first
    // space separates the pair (some files carry pairs whose right part starts with one).
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos) {
      fail("{}: tokenizer.ggml.merges: merge {} \"{}\" is not two tokens separated by a space",
           spec.name, rank, escape_for_terminal(merge, '"', kMaxShownBytes));
    }
    const std::string_view left(merge.data(), space);
    const std::string_view right(merge.data() + space + 1, merge.size() - space - 1);
    const auto left_id = vocab.find(left);
    const auto right_id = vocab.find(right);
    std::string joined;
    joined.reserve(merge.size() - 1);
    joined.append(left).append(right);
    const auto result = vocab.find(joined);
    // A merge naming tokens the vocabulary lacks can never apply; skip it.
    if (!left_id || !right_id || !result) continue;
    vocab.merges.insert(*left_id, *right_id, Merge{static_cast<int32_t>(rank), *result});
  }
  if (vocab.ignore_merges) {
    for (int32_t id = 0; id < vocab.size(); ++id) {
      if (vocab.type[id] == TokenType::kNormal) vocab.raw_to_id.emplace(vocab.piece[id], id);
    }
  }
}

bool has_space_after_other_char(std::string_view text) {
  constexpr std::string_view kSpace = "\xE2\x96\x81";
  for (size_t k = text.find(kSpace, 1); k != std::string_view::npos; k = text.find(kSpace, k + 1)) {
    if (k < kSpace.size() || text.compare(k - kSpace.size(), kSpace.size(), kSpace) != 0) {
      return true;
    }
  }
  return false;
}

void build_sentencepiece(Vocab& vocab) {
  vocab.spm_split_words =
      std::none_of(vocab.text.begin(), vocab.text.end(),
                   [](const std::string& t) { return has_space_after_other_char(t); });
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab.byte_token[b] = vocab.find(name).value_or(-1);
  }
}

}  // namespace

Vocab build_vocab(VocabSpec spec) {
  if (spec.name.empty()) spec.name = "tokenizer";
  Vocab vocab;
  vocab.name = spec.name;
  if (spec.model == "gpt2") {
    vocab.model = Tokenizer::Model::kBytePairGpt2;
  } else if (spec.model == "llama") {
    vocab.model = Tokenizer::Model::kSentencePiece;
  } else {
    fail("{}: tokenizer.ggml.model \"{}\" is not supported (supported: gpt2, llama)", spec.name,
         escape_for_terminal(spec.model, '"', kMaxShownBytes));
  }
  const size_t n = spec.tokens.size();
  if (n == 0) fail("{}: the vocabulary (tokenizer.ggml.tokens) is empty", spec.name);
  if (n > (size_t{1} << 30))
    fail("{}: vocabulary (tokenizer.ggml.tokens) of {} tokens is too large", spec.name, n);
  if (!spec.scores.empty() && spec.scores.size() != n) {
    fail("{}: {} scores (tokenizer.ggml.scores) for {} tokens (tokenizer.ggml.tokens)", spec.name,
         spec.scores.size(), n);
  }
  if (!spec.types.empty() && spec.types.size() != n) {
    fail("{}: {} token types (tokenizer.ggml.token_type) for {} tokens (tokenizer.ggml.tokens)",
         spec.name, spec.types.size(), n);
  }
  if (vocab.model == Tokenizer::Model::kBytePairGpt2 && spec.merges.empty()) {
    fail("{}: a gpt2 (byte-level BPE) tokenizer needs tokenizer.ggml.merges", spec.name);
  }

  vocab.pre = spec.pre;
  vocab.text = std::move(spec.tokens);
  vocab.score = spec.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(spec.scores);
  vocab.type.resize(n, TokenType::kNormal);
  for (size_t i = 0; i < spec.types.size(); ++i) {
    const int32_t t = spec.types[i];
    if (t < 0 || t > 6)
      fail("{}: tokenizer.ggml.token_type: token {} has unknown type {}", spec.name, i, t);
    vocab.type[i] = static_cast<TokenType>(t);
  }
  vocab.text_to_id.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // On duplicates the first id wins, as in llama.cpp.
    vocab.text_to_id.emplace(vocab.text[i], static_cast<int32_t>(i));
  }
  vocab.piece.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (vocab.model == Tokenizer::Model::kSentencePiece) {
      vocab.piece[i] = vocab.type[i] == TokenType::kByte
                           ? byte_token_piece(spec, i, vocab.text[i])
                           : sentencepiece_piece(vocab.text[i], vocab.type[i]);
    } else {
      vocab.piece[i] = byte_level_piece(vocab.text[i], vocab.type[i]);
    }
  }

  vocab.bos = checked_id(vocab, spec.bos_id, "bos");
  vocab.eos = checked_id(vocab, spec.eos_id, "eos");
  vocab.unk = checked_id(vocab, spec.unk_id, "unknown");
  vocab.pad = checked_id(vocab, spec.pad_id, "padding");
  vocab.eot = checked_id(vocab, spec.eot_id, "eot");
  vocab.eom = checked_id(vocab, spec.eom_id, "eom");
  const bool spm = vocab.model == Tokenizer::Model::kSentencePiece;
  // Defaults when the file does not say: what llama.cpp assumes for each model.
  vocab.add_bos = spec.add_bos.value_or(spm && vocab.bos.has_value());
  vocab.add_eos = spec.add_eos.value_or(false);
  vocab.add_space_prefix = spec.add_space_prefix.value_or(spm);
  if (vocab.add_bos && !vocab.bos)
    fail("{}: tokenizer.ggml.add_bos_token is set but there is no tokenizer.ggml.bos_token_id",
         spec.name);
  if (vocab.add_eos && !vocab.eos)
    fail("{}: tokenizer.ggml.add_eos_token is set but there is no tokenizer.ggml.eos_token_id",
         spec.name);

  if (spm) {
    build_sentencepiece(vocab);
  } else {
    vocab.ignore_merges = pre_tokenizer_ignores_merges(vocab.pre);
    vocab.nfc = vocab.pre == "qwen2" || vocab.pre == "deepseek-r1-qwen";
    build_byte_level(vocab, spec);
  }

  for (int32_t id = 0; id < vocab.size(); ++id) {
    const TokenType t = vocab.type[id];
    if ((t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUserDefined) &&
        !vocab.text[id].empty()) {
      vocab.special_ids.push_back(id);
    }
  }
  for (const auto& id : {vocab.eos, vocab.eot, vocab.eom}) {
    if (id) vocab.eog_ids.push_back(*id);
  }
  for (std::string_view text : kEndOfGenerationTexts) {
    const auto id = vocab.find(text);
    if (id && vocab.type[*id] == TokenType::kControl) vocab.eog_ids.push_back(*id);
  }
  std::sort(vocab.eog_ids.begin(), vocab.eog_ids.end());
  vocab.eog_ids.erase(std::unique(vocab.eog_ids.begin(), vocab.eog_ids.end()), vocab.eog_ids.end());
  return vocab;
}

}  // namespace yak::tokenizer
