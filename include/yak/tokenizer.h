// Text <-> token ids, bit-exact with the Hugging Face tokenizers of the models Yak runs.
//
// Two algorithms, chosen by `tokenizer.ggml.model` in a GGUF file:
//   "gpt2"  byte-level BPE: the text is split by the pre-tokenizer regexes that
//           `tokenizer.ggml.pre` names, each piece is merged by merge rank.
//   "llama" SentencePiece-style BPE: spaces become U+2581, pieces are merged by
//           token score, characters outside the vocabulary fall back to <0xNN> tokens.
// Control and user-defined tokens are recognised whole in the text (see encode()).
//
// A Tokenizer is immutable after construction; copies share the same tables and
// every const method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yak/text_span.h"

namespace yak {

namespace gguf {
class File;
}

// Token types as GGUF stores them in tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Everything a tokenizer is built from; what a GGUF file's tokenizer.ggml.* keys hold.
// Lets tests and other loaders (e.g. a tokenizer.json reader) build tokenizers without GGUF.
struct VocabSpec {
  std::string model;  // "gpt2" or "llama"
  std::string pre;    // pre-tokenizer name ("smollm", "llama-bpe", ...); "" = default
  std::vector<std::string> tokens;
  std::vector<float> scores;        // may be empty (all 0)
  std::vector<int32_t> types;       // may be empty (all kNormal); values of TokenType
  std::vector<std::string> merges;  // "left right", highest priority first (gpt2 only)
  std::optional<int32_t> bos_id, eos_id, unk_id, pad_id, eot_id, eom_id;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
  std::string name;  // for error messages
};

class Tokenizer {
 public:
  enum class Model { kBytePairGpt2, kSentencePiece };

  // Throws yak::Error naming the problem when the metadata is missing or inconsistent.
  static Tokenizer from_gguf(const gguf::File& file);
  // Opens a GGUF file (a vocabulary-only file is enough).
  static Tokenizer from_gguf_path(const std::string& path);
  static Tokenizer from_spec(VocabSpec spec);

  // add_special: add BOS/EOS as the metadata asks (tokenizer.ggml.add_bos_token ...).
  // parse_special: recognise the text of control tokens (e.g. "<|im_start|>") as those
  //   tokens. User-defined tokens are always recognised, as Hugging Face and llama.cpp do.
  // Text that is not valid UTF-8 is tokenized byte by byte where it is invalid.
  std::vector<int32_t> encode(std::string_view text, bool add_special = true,
                              bool parse_special = false) const;

  // Tokenizes a prompt assembled from trusted text (a chat template's own text, which may
  // spell control tokens) and untrusted text (message contents, which must never become
  // control tokens). Control tokens are recognised only where their whole text lies outside
  // `plain_spans`; inside them text is tokenized as encode(..., parse_special=false) does
  // (user-defined tokens are still recognised). The spans must be sorted, disjoint and within
  // the text, else yak::Error. When no plain span holds control-token text, the ids equal
  // encode(text, add_special, /*parse_special=*/true), so ordinary prompts tokenize exactly
  // as Hugging Face tokenizes the rendered template. One more difference: where the
  // vocabulary's unknown token is a control token (SmolLM2's <|endoftext|>), characters the
  // vocabulary lacks are dropped rather than turned into it (llama.cpp drops them too).
  std::vector<int32_t> encode_prompt(std::string_view text, std::span<const TextSpan> plain_spans,
                                     bool add_special = false) const;

  // The bytes the ids stand for. Control/unknown tokens render their text unless
  // skip_special. For SentencePiece vocabularies with a space prefix, the one space the
  // encoder added at the start is removed (as Hugging Face does). The result may end in
  // an incomplete UTF-8 sequence when the ids do; see StreamDecoder for streaming.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // The bytes of one token as it appears inside decoded text (no prefix-space removal);
  // control tokens give their text unless skip_special. Throws on ids out of range.
  std::string token_to_piece(int32_t id, bool skip_special = false) const;

  // Vocabulary access.
  int32_t n_vocab() const;
  const std::string& token_text(int32_t id) const;  // as stored (GPT-2 byte chars, U+2581...)
  TokenType token_type(int32_t id) const;
  float token_score(int32_t id) const;
  std::optional<int32_t> find_token(std::string_view text) const;  // by stored text
  bool is_special(int32_t id) const;  // control, unknown or user-defined

  Model model() const;
  const std::string& pre() const;
  std::optional<int32_t> bos() const;
  std::optional<int32_t> eos() const;
  std::optional<int32_t> eot() const;
  std::optional<int32_t> unk() const;
  std::optional<int32_t> pad() const;
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;

  // Ends generation: eos, eot, eom, and control tokens such as <|im_end|>,
  // <|endoftext|>, <|eot_id|>, <end_of_turn>.
  bool is_end_of_generation(int32_t id) const;
  const std::vector<int32_t>& end_of_generation_ids() const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Turns a stream of token ids into text, returning only complete UTF-8 characters:
// bytes of a character split across tokens are held back until it is complete.
// Invalid UTF-8 comes out as U+FFFD, so what it returns is always valid UTF-8.
class StreamDecoder {
 public:
  // strip_leading_space: drop the space a SentencePiece prefix put before the first
  // token (true when decoding a stream that starts a text, false to continue a prompt).
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = false,
                         bool strip_leading_space = false);

  // The text that became complete with this token (possibly empty).
  std::string push(int32_t id);
  // Whatever is left (an incomplete character becomes U+FFFD); then starts afresh.
  std::string flush();

 private:
  std::string take_complete();

  Tokenizer tokenizer_;
  bool skip_special_;
  bool strip_leading_space_;
  bool at_start_ = true;
  std::string pending_;
};

}  // namespace yak
