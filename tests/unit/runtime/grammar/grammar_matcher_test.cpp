// GrammarMatcher over real vocabularies: end-of-generation and control tokens, forks,
// apply(), the mask cache, user-defined tokens and tokens that end inside a character.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "unit/runtime/grammar/grammar_test_util.h"

namespace yak {
namespace {

int32_t token_of(const Tokenizer& tokenizer, const std::string& text) {
  const std::vector<int32_t> ids = tokenizer.encode(text, /*add_special=*/false);
  EXPECT_EQ(ids.size(), 1u) << "'" << text << "' is not one token";
  return ids.empty() ? -1 : ids[0];
}

TEST(GrammarMatcher, AcceptBytesCanEndAndMustEnd) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  GrammarMatcher m(test::bind(R"(root ::= "ab" "c"?)", *model));
  EXPECT_FALSE(m.can_end());
  EXPECT_TRUE(m.accept_bytes("a"));
  EXPECT_FALSE(m.accept_bytes("x"));  // refused, state unchanged
  EXPECT_TRUE(m.accept_bytes("b"));
  EXPECT_TRUE(m.can_end());
  EXPECT_FALSE(m.must_end());
  EXPECT_TRUE(m.accept_bytes("c"));
  EXPECT_TRUE(m.must_end());
  EXPECT_FALSE(m.accept_bytes("c"));
}

TEST(GrammarMatcher, EndOfGenerationOnlyWhenComplete) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  const Tokenizer& tok = *model->tokenizer;
  ASSERT_FALSE(tok.end_of_generation_ids().empty());
  const int32_t eog = tok.end_of_generation_ids()[0];
  GrammarMatcher m(test::bind(R"(root ::= "yes" | "yes!")", *model));
  EXPECT_FALSE(m.allowed_tokens().contains(eog));
  EXPECT_FALSE(m.accept(eog));
  ASSERT_TRUE(m.accept(token_of(tok, "yes")));
  EXPECT_TRUE(m.allowed_tokens().contains(eog));
  EXPECT_TRUE(m.allowed_tokens().contains(token_of(tok, "!")));
  EXPECT_TRUE(m.accept(eog));
  EXPECT_TRUE(m.can_end());
  EXPECT_TRUE(m.must_end());
  EXPECT_FALSE(m.accept(token_of(tok, "!")));  // nothing after the end
  EXPECT_FALSE(m.accept(eog));
  EXPECT_EQ(m.allowed_tokens().count(), 0);
}

TEST(GrammarMatcher, ControlTokensNeverAllowed) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  const Tokenizer& tok = *model->tokenizer;
  // A grammar that spells a control token's text: the text is allowed, the token is not.
  const auto id = tok.find_token("<|im_start|>");
  ASSERT_TRUE(id.has_value());
  ASSERT_EQ(tok.token_type(*id), TokenType::kControl);
  ASSERT_FALSE(tok.is_end_of_generation(*id));
  GrammarMatcher m(test::bind(R"(root ::= "<|im_start|>" | [a-z]+)", *model));
  const TokenSet& allowed = m.allowed_tokens();
  EXPECT_FALSE(allowed.contains(*id));
  EXPECT_FALSE(m.accept(*id));
  for (int32_t i = 0; i < tok.n_vocab(); ++i) {
    if (tok.token_type(i) == TokenType::kControl && !tok.is_end_of_generation(i))
      EXPECT_FALSE(allowed.contains(i)) << i;
  }
  EXPECT_TRUE(m.accept_bytes("<|im_start|>"));
  EXPECT_TRUE(m.must_end());
}

TEST(GrammarMatcher, UserDefinedTokenMatchesItsText) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kQwen2File);
  const Tokenizer& tok = *model->tokenizer;
  const auto id = tok.find_token("<tool_call>");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(tok.token_type(*id), TokenType::kUserDefined);
  GrammarMatcher m(test::bind(R"(root ::= "<tool_call>\n{}\n</tool_call>")", *model));
  EXPECT_TRUE(m.allowed_tokens().contains(*id));
  EXPECT_TRUE(m.accept(*id));
  EXPECT_TRUE(m.accept_bytes("\n{}\n"));
  const auto close = tok.find_token("</tool_call>");
  ASSERT_TRUE(close.has_value());
  EXPECT_TRUE(m.accept(*close));
  EXPECT_TRUE(m.must_end());
}

TEST(GrammarMatcher, TokensMayEndInsideACharacter) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kQwen2File);
  const Tokenizer& tok = *model->tokenizer;
  GrammarMatcher m(test::bind("root ::= [\xE4\xB8\x80-\xE9\xBE\xA5]+", *model));
  const TokenSet& allowed = m.allowed_tokens();
  int partial = 0, whole = 0;
  for (int32_t i = 0; i < tok.n_vocab(); ++i) {
    if (!allowed.contains(i)) continue;
    const std::string piece = tok.token_to_piece(i);
    (piece.size() % 3 == 0 ? whole : partial)++;
  }
  EXPECT_GT(whole, 1000);  // Qwen2 has many CJK tokens
  EXPECT_GT(partial, 10);  // and byte-level pieces of characters
  // Two partial tokens then complete one character.
  GrammarMatcher byte_by_byte = m;
  EXPECT_TRUE(byte_by_byte.accept_bytes("\xE4\xBD"));
  EXPECT_FALSE(byte_by_byte.can_end());
  EXPECT_TRUE(byte_by_byte.accept_bytes("\xA0"));
  EXPECT_TRUE(byte_by_byte.can_end());
}

TEST(GrammarMatcher, ForkIsIndependent) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  GrammarMatcher parent(test::bind(R"(root ::= "a" ("b" | "c") "d")", *model));
  ASSERT_TRUE(parent.accept_bytes("a"));
  GrammarMatcher child = parent;
  ASSERT_TRUE(child.accept_bytes("b"));
  EXPECT_TRUE(parent.accept_bytes("c"));  // the parent did not move with the child
  EXPECT_FALSE(child.accept_bytes("c"));
  EXPECT_TRUE(child.accept_bytes("d"));
  EXPECT_TRUE(child.can_end());
  EXPECT_FALSE(parent.can_end());
  GrammarMatcher assigned = child;
  assigned = parent;
  EXPECT_TRUE(assigned.accept_bytes("d"));
  EXPECT_FALSE(parent.can_end());
  GrammarMatcher moved = std::move(assigned);
  EXPECT_TRUE(moved.can_end());
}

TEST(GrammarMatcher, ApplySetsMinusInfinityOnRefusedTokens) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  GrammarMatcher m(test::bind(R"(root ::= [0-9]+)", *model));
  std::vector<float> logits(model->tokenizer->n_vocab(), 1.0f);
  m.apply(logits);
  const TokenSet& allowed = m.allowed_tokens();
  EXPECT_GT(allowed.count(), 0);
  EXPECT_LT(allowed.count(), 1000);
  for (int32_t i = 0; i < model->tokenizer->n_vocab(); ++i) {
    if (allowed.contains(i)) {
      EXPECT_EQ(logits[i], 1.0f) << i;
    } else {
      EXPECT_TRUE(std::isinf(logits[i]) && logits[i] < 0) << i;
    }
  }
  std::vector<float> short_row(10);
  EXPECT_THROW(m.apply(short_row), Error);
}

TEST(GrammarMatcher, MaskCacheIsSharedAndCountsHits) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  auto grammar = test::bind(R"(root ::= "\"" [a-z ]* "\"")", *model);
  GrammarMatcher a(grammar);
  ASSERT_TRUE(a.accept_bytes("\"hello"));
  const TokenSet first = a.allowed_tokens();
  EXPECT_EQ(grammar->stats().masks, 1);
  EXPECT_EQ(grammar->stats().cache_hits, 0);
  a.allowed_tokens();  // the matcher keeps its mask: not counted again
  EXPECT_EQ(grammar->stats().masks, 1);
  // Another sequence in the same state (inside the string) is answered from the cache.
  GrammarMatcher b(grammar);
  ASSERT_TRUE(b.accept_bytes("\"other words"));
  EXPECT_EQ(b.allowed_tokens(), first);
  EXPECT_EQ(grammar->stats().masks, 2);
  EXPECT_EQ(grammar->stats().cache_hits, 1);
  EXPECT_GT(grammar->stats().mask_nanoseconds, 0);
  // A different state misses.
  GrammarMatcher c(grammar);
  c.allowed_tokens();
  EXPECT_EQ(grammar->stats().cache_hits, 1);
  EXPECT_EQ(grammar->stats().masks, 3);
}

TEST(GrammarMatcher, SequencesShareATokenGrammarAcrossThreads) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  auto grammar = std::make_shared<const TokenGrammar>(Grammar::json_object(), model->vocabulary);
  const std::vector<int32_t> ids =
      model->tokenizer->encode(R"({"name": "x", "list": [1, 2, {"deep": true}]})", false);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      GrammarMatcher m(grammar);
      bool good = true;
      for (int32_t id : ids) good = good && m.allowed_tokens().contains(id) && m.accept(id);
      ok[t] = good && m.can_end();
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << "thread " << t;
  EXPECT_GT(grammar->stats().cache_hits, 0);
}

}  // namespace
}  // namespace yak
