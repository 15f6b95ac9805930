// Constrained decoding: a grammar over the bytes of a model's output, and at each step the
// set of vocabulary tokens that keep the output inside it (a mask applied before sampling).
//
//   yak::Grammar g = yak::Grammar::from_json_schema(schema);          // or from_gbnf(text)
//   auto vocab = std::make_shared<const yak::GrammarVocabulary>(tokenizer);   // once per model
//   auto bound = std::make_shared<yak::TokenGrammar>(g, vocab);        // shared by sequences
//   yak::GrammarMatcher m(bound);                                      // one per sequence
//   m.apply(logits);                  // -inf on every token that would leave the grammar
//   m.accept(sampler.sample(logits)); // advance over the chosen token's bytes
//
// A grammar is a set of rules over Unicode text (GBNF, as llama.cpp writes it), compiled to a
// pushdown automaton over UTF-8 bytes, so a token may end inside a character. A matcher's
// state is the set of rule stacks the output so far can be in; the allowed tokens of a
// state are found by walking a byte trie of the vocabulary and are cached per state in the
// TokenGrammar, so a state that recurs (inside a string, between array items) costs a
// lookup. Control tokens are never allowed, except end-of-generation tokens once the output
// is a complete match. See docs/structured-output.md.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yak/error.h"

namespace yak {

class Tokenizer;

namespace grammar {
struct Rules;
struct Vocabulary;
struct MaskCache;
struct MatcherState;
}  // namespace grammar

// A grammar that cannot be built: a GBNF syntax error (with line:column), an undefined or
// left-recursive rule, a grammar that matches no text, an invalid JSON Schema or one using a
// keyword Yak does not support (the message names the keyword and where it is, as a JSON
// pointer). Servers answer it with 400.
class GrammarError : public Error {
 public:
  using Error::Error;
};

// An immutable compiled grammar. Cheap to copy (shared rules).
class Grammar {
 public:
  // llama.cpp's GBNF: `name ::= alternatives` rules; "literals" with \n \t \r \\ \" \xHH
  // \uHHHH \UHHHHHHHH escapes; [a-z] and [^...] classes; `.` (any character); ( ) groups;
  // alternatives |; repetition * + ? {m} {m,} {m,n}; # comments. `root` names the start rule.
  static Grammar from_gbnf(std::string_view text, std::string_view root = "root");
  // A grammar for the JSON texts that validate against `schema` (json_schema_to_gbnf).
  static Grammar from_json_schema(const nlohmann::ordered_json& schema);
  // Any JSON object: OpenAI's response_format {"type": "json_object"}.
  static Grammar json_object();

  // The GBNF text the grammar was built from (for a schema: the generated text).
  const std::string& source() const;
  // Whether `text` as a whole is a sentence of the grammar (a slow check, for tests and
  // validation; the matcher is what decoding uses).
  bool matches(std::string_view text) const;

  const grammar::Rules& rules() const { return *rules_; }

 private:
  explicit Grammar(std::shared_ptr<const grammar::Rules> rules) : rules_(std::move(rules)) {}
  std::shared_ptr<const grammar::Rules> rules_;
};

// JSON Schema to GBNF. The rule for a value of `schema` is `root_rule`; every other rule it
// needs is named `root_rule` + "-" + something, so rules of several schemas can be put in one
// grammar (tool calls do). Throws GrammarError on what it cannot express exactly.
std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                std::string_view root_rule = "root");

// A tokenizer's vocabulary as byte strings, arranged for mask computation (a byte trie).
// Built once per model and shared; immutable.
class GrammarVocabulary {
 public:
  explicit GrammarVocabulary(const Tokenizer& tokenizer);
  ~GrammarVocabulary();
  GrammarVocabulary(const GrammarVocabulary&) = delete;
  GrammarVocabulary& operator=(const GrammarVocabulary&) = delete;

  int32_t n_vocab() const;
  const grammar::Vocabulary& impl() const { return *impl_; }

 private:
  std::unique_ptr<const grammar::Vocabulary> impl_;
};

// A set of token ids, as a bitset over the vocabulary.
class TokenSet {
 public:
  TokenSet() = default;
  explicit TokenSet(int32_t n_vocab) : n_(n_vocab), words_((n_vocab + 63) / 64, 0) {}
  int32_t n_vocab() const { return n_; }
  bool contains(int32_t id) const { return (words_[id >> 6] >> (id & 63)) & 1u; }
  void insert(int32_t id) { words_[id >> 6] |= uint64_t{1} << (id & 63); }
  int32_t count() const;
  std::span<const uint64_t> words() const { return words_; }
  std::span<uint64_t> words() { return words_; }
  bool operator==(const TokenSet&) const = default;

 private:
  int32_t n_ = 0;
  std::vector<uint64_t> words_;
};

// What computing masks has cost a TokenGrammar so far.
struct GrammarStats {
  int64_t masks = 0;             // allowed_tokens() calls that needed a mask
  int64_t cache_hits = 0;        // of those, answered from the cache
  int64_t mask_nanoseconds = 0;  // total time in allowed_tokens(), hits included
};

// A grammar bound to a vocabulary, with the cache of allowed-token sets by matcher state.
// Thread-safe; shared by every sequence that decodes under the grammar.
class TokenGrammar {
 public:
  TokenGrammar(Grammar grammar, std::shared_ptr<const GrammarVocabulary> vocabulary);
  ~TokenGrammar();
  TokenGrammar(const TokenGrammar&) = delete;
  TokenGrammar& operator=(const TokenGrammar&) = delete;

  const Grammar& grammar() const { return grammar_; }
  const GrammarVocabulary& vocabulary() const { return *vocabulary_; }
  grammar::MaskCache& cache() const { return *cache_; }
  GrammarStats stats() const;

 private:
  Grammar grammar_;
  std::shared_ptr<const GrammarVocabulary> vocabulary_;
  std::unique_ptr<grammar::MaskCache> cache_;
};

// One sequence's position in its grammar. Copyable: a fork (n > 1) copies its parent's.
class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<const TokenGrammar> grammar);
  ~GrammarMatcher();
  GrammarMatcher(const GrammarMatcher&);
  GrammarMatcher& operator=(const GrammarMatcher&);
  GrammarMatcher(GrammarMatcher&&) noexcept;
  GrammarMatcher& operator=(GrammarMatcher&&) noexcept;

  // The tokens that keep the output inside the grammar: those whose bytes the automaton
  // can take from this state, plus the end-of-generation tokens when can_end(). Never empty
  // for a grammar that matches something (a state with no way on is always complete).
  const TokenSet& allowed_tokens();
  // Sets logits[t] to -inf for every token t not allowed (logits.size() >= n_vocab).
  void apply(std::span<float> logits);
  // Advances over the token's bytes (an end-of-generation token: allowed when can_end(),
  // and then nothing more is). Returns false, leaving the state as it was, when the token
  // would leave the grammar.
  bool accept(int32_t token);
  // The same for raw bytes (tests, and text that did not come from the model).
  bool accept_bytes(std::string_view bytes);
  // The output so far is a complete sentence of the grammar.
  bool can_end() const;
  // Nothing but the end can follow (the caller stops generating).
  bool must_end() const;

 private:
  std::shared_ptr<const TokenGrammar> grammar_;
  std::unique_ptr<grammar::MatcherState> state_;
};

}  // namespace yak
