#include "tokenizer/utf8.h"
#include "yak/tokenizer.h"

namespace yak {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special,
                             bool strip_leading_space)
    : tokenizer_(tokenizer),
      skip_special_(skip_special),
      strip_leading_space_(strip_leading_space) {}

std::string StreamDecoder::push(int32_t id) {
  std::string piece = tokenizer_.token_to_piece(id, skip_special_);
  if (at_start_ && !piece.empty()) {
    at_start_ = false;
    if (strip_leading_space_ && tokenizer_.model() == Tokenizer::Model::kSentencePiece &&
        tokenizer_.add_space_prefix() && piece.front() == ' ') {
      piece.erase(0, 1);
    }
  }
  pending_ += piece;
  return take_complete();
}

std::string StreamDecoder::take_complete() {
  const size_t ready = tokenizer::utf8_complete_prefix(pending_);
  std::string out;
  tokenizer::append_sanitized(out, std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  tokenizer::append_sanitized(out, pending_);
  pending_.clear();
  at_start_ = true;
  return out;
}

}  // namespace yak
