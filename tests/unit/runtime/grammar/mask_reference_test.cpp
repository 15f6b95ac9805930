// The token mask agrees with a slow reference: for every token id, a copy of the matcher
// accepts the token's bytes (from the tokenizer, not the grammar vocabulary) exactly when
// the mask allows it. States come from random walks through the grammar.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "unit/runtime/grammar/grammar_test_util.h"

namespace yak {
namespace {

constexpr const char* kJsonLike = R"(root ::= obj
obj  ::= "{" ( pair ( ", " pair )* )? "}"
pair ::= key ": " val
key  ::= "\"" [a-z_]{1,8} "\""
val  ::= obj | arr | str | num | "true" | "false" | "null"
arr  ::= "[" ( val ( "," " "? val )* )? "]"
str  ::= "\"" ( [^"\\] | "\\" ["\\nt] )* "\""
num  ::= "-"? [0-9]+ ( "." [0-9]+ )?
)";

// Whether `token` should be allowed in the matcher's state, found without the mask.
bool reference_allows(const GrammarMatcher& matcher, const Tokenizer& tokenizer, int32_t token) {
  if (tokenizer.is_end_of_generation(token)) return matcher.can_end();
  const TokenType type = tokenizer.token_type(token);
  if (type == TokenType::kControl || type == TokenType::kUnknown || type == TokenType::kUnused)
    return false;
  const std::string piece = tokenizer.token_to_piece(token);
  if (piece.empty()) return false;
  GrammarMatcher copy = matcher;
  return copy.accept_bytes(piece);
}

void expect_mask_matches_reference(GrammarMatcher& matcher, const Tokenizer& tokenizer,
                                   const std::string& where) {
  const TokenSet allowed = matcher.allowed_tokens();
  int32_t mismatches = 0;
  for (int32_t id = 0; id < tokenizer.n_vocab(); ++id) {
    const bool expected = reference_allows(matcher, tokenizer, id);
    if (allowed.contains(id) != expected && ++mismatches <= 5) {
      ADD_FAILURE() << where << ": token " << id << " '" << tokenizer.token_to_piece(id)
                    << "' mask says " << allowed.contains(id) << ", reference " << expected;
    }
    if (expected) {  // accept() of the token itself agrees too
      GrammarMatcher copy = matcher;
      EXPECT_TRUE(copy.accept(id)) << where << ": token " << id;
    }
  }
  EXPECT_EQ(mismatches, 0) << where;
  EXPECT_GT(allowed.count(), 0) << where;
}

// Random walks: each step picks a uniformly random allowed token and the mask of some
// states on the way is checked against the reference.
void check_random_walks(const std::string& gbnf, const std::string& model_file, int walks,
                        int steps, int checks_per_walk) {
  const test::GrammarModel* model = test::grammar_model(model_file);
  if (model == nullptr) GTEST_SKIP() << "model file missing: " << test::model_path(model_file);
  auto grammar = test::bind(gbnf, *model);
  std::mt19937 rng(1234);
  int checked = 0;
  for (int w = 0; w < walks; ++w) {
    GrammarMatcher matcher(grammar);
    std::string text;
    std::uniform_int_distribution<int> pick_check(0, steps - 1);
    std::vector<bool> check(steps, false);
    check[0] = w == 0;
    for (int c = 0; c < checks_per_walk; ++c) check[pick_check(rng)] = true;
    for (int step = 0; step < steps; ++step) {
      if (check[step]) {
        expect_mask_matches_reference(matcher, *model->tokenizer,
                                      "walk " + std::to_string(w) + " after '" + text + "'");
        ++checked;
      }
      const TokenSet& allowed = matcher.allowed_tokens();
      std::vector<int32_t> ids;
      for (int32_t id = 0; id < allowed.n_vocab(); ++id) {
        if (allowed.contains(id) && !model->tokenizer->is_end_of_generation(id)) ids.push_back(id);
      }
      if (ids.empty()) break;  // complete: only the end is left
      // Prefer tokens that keep the text open, so walks go deep instead of closing at once.
      std::uniform_int_distribution<size_t> pick(0, ids.size() - 1);
      int32_t token = ids[pick(rng)];
      for (int attempt = 0; attempt < 50; ++attempt) {
        GrammarMatcher probe = matcher;
        ASSERT_TRUE(probe.accept(token));
        if (!probe.can_end()) break;
        token = ids[pick(rng)];
      }
      ASSERT_TRUE(matcher.accept(token));
      text += model->tokenizer->token_to_piece(token);
    }
  }
  EXPECT_GE(checked, walks * checks_per_walk / 2) << "walks ended before most checks";
}

TEST(GrammarMask, AgreesWithReferenceJsonLikeSmolLm2) {
  check_random_walks(kJsonLike, test::kSmolLm2File, 3, 24, 4);
}

TEST(GrammarMask, AgreesWithReferenceJsonObjectSmolLm2) {
  check_random_walks(Grammar::json_object().source(), test::kSmolLm2File, 3, 24, 4);
}

TEST(GrammarMask, AgreesWithReferenceJsonLikeQwen2) {
  check_random_walks(kJsonLike, test::kQwen2File, 2, 20, 3);
}

TEST(GrammarMask, AgreesWithReferenceJsonObjectQwen2) {
  check_random_walks(Grammar::json_object().source(), test::kQwen2File, 2, 20, 3);
}

TEST(GrammarMask, AgreesWithReferenceMultibyteClassQwen2) {
  // Tokens may end inside a character: the mask must allow the partial ones.
  check_random_walks("root ::= [\xE4\xB8\x80-\xE9\xBE\xA5]{1,40} \"\xE3\x80\x82\"",
                     test::kQwen2File, 1, 12, 3);
}

}  // namespace
}  // namespace yak
