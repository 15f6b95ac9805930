// The regex pre-tokenizers of byte-level BPE vocabularies, chosen by tokenizer.ggml.pre.
//
// Each pre-tokenizer is a list of regexes applied in turn: the first splits the text,
// each later one splits every piece the previous produced. Both the matches and the text
// between matches become pieces (Hugging Face's Split with behaviour "isolated").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace yak::tokenizer {

class Regex;

class PreTokenizer {
 public:
  // Throws yak::Error for a name it does not know.
  explicit PreTokenizer(std::string_view pre_name);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // Appends the pieces of `text` (views into it) to `pieces`; `scratch` is reused memory.
  void split(std::string_view text, std::vector<std::string_view>& pieces,
             std::vector<std::string_view>& scratch) const;

  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
  std::vector<std::unique_ptr<Regex>> regexes_;
};

// Whether whole pieces that are vocabulary tokens skip the merges (Llama 3 style).
bool pre_tokenizer_ignores_merges(std::string_view pre_name);

// Rewrites \s and \S as Unicode's White_Space set, which is what they mean in Oniguruma
// (the regex engine of Hugging Face tokenizers); PCRE2's \s differs (U+180E). Exposed
// for tests.
std::string spell_out_whitespace(std::string_view pattern);

}  // namespace yak::tokenizer
