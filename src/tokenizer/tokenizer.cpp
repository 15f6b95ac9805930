#include "yak/tokenizer.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/bpe.h"
#include "tokenizer/nfc.h"
#include "tokenizer/sentencepiece.h"
#include "tokenizer/tokenizer_impl.h"

namespace yak {

using tokenizer::Fragment;

Tokenizer::Impl::Impl(tokenizer::Vocab v) : vocab(std::move(v)), specials(vocab) {
  if (vocab.model == Model::kBytePairGpt2) pre_tokenizer.emplace(vocab.pre);
}

Tokenizer Tokenizer::from_spec(VocabSpec spec) {
  return Tokenizer(std::make_shared<const Impl>(tokenizer::build_vocab(std::move(spec))));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<Fragment> fragments;
  impl_->specials.split(text, parse_special, fragments);
  return impl_->encode_fragments(fragments, add_special);
}

std::vector<int32_t> Tokenizer::encode_prompt(std::string_view text,
                                              std::span<const TextSpan> plain_spans,
                                              bool add_special) const {
  size_t previous_end = 0;
  for (size_t i = 0; i < plain_spans.size(); ++i) {
    const TextSpan& s = plain_spans[i];
    if (s.begin > s.end || s.end > text.size() || (i > 0 && s.begin < previous_end))
      fail("plain span {} [{}, {}) is not sorted, disjoint and within the text of {} bytes", i,
           s.begin, s.end, text.size());
    previous_end = s.end;
  }
  std::vector<Fragment> fragments;
  impl_->specials.split(text, /*parse_special=*/true, fragments, plain_spans);
  // Some vocabularies name a control token as their unknown token (SmolLM2: <|endoftext|>,
  // which lacks the bytes 0x04 and 0x06), so an unknown character would smuggle that control
  // token in. In a prompt such characters are dropped instead, as llama.cpp drops them.
  const tokenizer::Vocab& vocab = impl_->vocab;
  const bool drop_unknown = vocab.unk && vocab.type[*vocab.unk] == TokenType::kControl;
  return impl_->encode_fragments(fragments, add_special, drop_unknown);
}

void Tokenizer::Impl::drop_unknown_ids(std::vector<int32_t>& ids, size_t first) const {
  // Ids of raw text are the unknown token only where a character had no token.
  ids.erase(std::remove(ids.begin() + static_cast<ptrdiff_t>(first), ids.end(), *vocab.unk),
            ids.end());
}

std::vector<int32_t> Tokenizer::Impl::encode_fragments(std::span<const Fragment> fragments,
                                                       bool add_special, bool drop_unknown) const {
  std::vector<int32_t> out;
  size_t bytes = 0;
  for (const Fragment& f : fragments) bytes += f.text.size();
  out.reserve(bytes / 3 + 4);
  if (add_special && vocab.add_bos) out.push_back(*vocab.bos);

  if (vocab.model == Model::kBytePairGpt2) {
    tokenizer::BpeWorkspace ws;
    std::vector<std::string_view> pieces, scratch;
    std::string normalized;
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        out.push_back(f.token);
        continue;
      }
      std::string_view raw = f.text;
      if (vocab.nfc && tokenizer::nfc_may_change(raw)) {
        // Hugging Face normalizes each stretch of text between special tokens.
        normalized.clear();
        tokenizer::append_nfc(normalized, raw);
        raw = normalized;
      }
      pieces.clear();
      pre_tokenizer->split(raw, pieces, scratch);
      const size_t first = out.size();
      for (std::string_view piece : pieces) tokenizer::bpe_encode_piece(vocab, piece, ws, out);
      if (drop_unknown) drop_unknown_ids(out, first);
    }
  } else {
    tokenizer::SpmWorkspace ws;
    // SentencePiece adds its space at the start of every stretch of raw text, i.e. at
    // the start and after each special token (as llama.cpp and HF's Prepend normalizer).
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        out.push_back(f.token);
      } else {
        const size_t first = out.size();
        tokenizer::spm_encode_fragment(vocab, f.text, vocab.add_space_prefix, ws, out);
        if (drop_unknown) drop_unknown_ids(out, first);
      }
    }
  }

  if (add_special && vocab.add_eos) out.push_back(*vocab.eos);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool skip_special) const {
  const tokenizer::Vocab& vocab = impl_->vocab;
  if (id < 0 || id >= vocab.size()) {
    fail("token id {} is outside the vocabulary of {} tokens", id, vocab.size());
  }
  const TokenType type = vocab.type[id];
  if (skip_special && (type == TokenType::kControl || type == TokenType::kUnknown)) return {};
  return vocab.piece[id];
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string out;
  for (int32_t id : ids) out += token_to_piece(id, skip_special);
  if (impl_->vocab.model == Model::kSentencePiece && impl_->vocab.add_space_prefix &&
      !out.empty() && out.front() == ' ') {
    out.erase(0, 1);
  }
  return out;
}

int32_t Tokenizer::n_vocab() const { return impl_->vocab.size(); }

const std::string& Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= n_vocab())
    fail("token id {} is outside the vocabulary of {} tokens", id, n_vocab());
  return impl_->vocab.text[id];
}

TokenType Tokenizer::token_type(int32_t id) const {
  if (id < 0 || id >= n_vocab())
    fail("token id {} is outside the vocabulary of {} tokens", id, n_vocab());
  return impl_->vocab.type[id];
}

float Tokenizer::token_score(int32_t id) const {
  if (id < 0 || id >= n_vocab())
    fail("token id {} is outside the vocabulary of {} tokens", id, n_vocab());
  return impl_->vocab.score[id];
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  return impl_->vocab.find(text);
}

bool Tokenizer::is_special(int32_t id) const {
  const TokenType t = token_type(id);
  return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUserDefined;
}

Tokenizer::Model Tokenizer::model() const { return impl_->vocab.model; }
const std::string& Tokenizer::pre() const { return impl_->vocab.pre; }
std::optional<int32_t> Tokenizer::bos() const { return impl_->vocab.bos; }
std::optional<int32_t> Tokenizer::eos() const { return impl_->vocab.eos; }
std::optional<int32_t> Tokenizer::eot() const { return impl_->vocab.eot; }
std::optional<int32_t> Tokenizer::unk() const { return impl_->vocab.unk; }
std::optional<int32_t> Tokenizer::pad() const { return impl_->vocab.pad; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
bool Tokenizer::add_space_prefix() const { return impl_->vocab.add_space_prefix; }

bool Tokenizer::is_end_of_generation(int32_t id) const {
  const auto& eog = impl_->vocab.eog_ids;
  return std::binary_search(eog.begin(), eog.end(), id);
}

const std::vector<int32_t>& Tokenizer::end_of_generation_ids() const {
  return impl_->vocab.eog_ids;
}

}  // namespace yak
