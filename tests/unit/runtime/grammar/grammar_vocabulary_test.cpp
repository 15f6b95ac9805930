// GrammarVocabulary over a small SentencePiece vocabulary: byte-fallback tokens are their
// byte, U+2581 pieces are spaces, control and unknown tokens are never allowed, end of
// generation only at the end.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

Tokenizer sentencepiece_tokenizer() {
  VocabSpec spec;
  spec.model = "llama";
  spec.name = "test-sp";
  spec.tokens = {"<unk>",
                 "<s>",
                 "</s>",
                 "<0xE4>",
                 "<0xBD>",
                 "<0xA0>",
                 "\xE2\x96\x81"
                 "ab",
                 "a",
                 "b",
                 "<ctl>"};
  spec.types = {2, 3, 3, 6, 6, 6, 1, 1, 1, 3};
  spec.scores.assign(spec.tokens.size(), 0.0f);
  spec.unk_id = 0;
  spec.bos_id = 1;
  spec.eos_id = 2;
  return Tokenizer::from_spec(spec);
}

TEST(GrammarVocabulary, SentencePieceBytesSpacesAndSpecials) {
  const Tokenizer tok = sentencepiece_tokenizer();
  auto vocab = std::make_shared<const GrammarVocabulary>(tok);
  EXPECT_EQ(vocab->n_vocab(), 10);
  auto grammar = std::make_shared<const TokenGrammar>(
      Grammar::from_gbnf("root ::= \"\xE4\xBD\xA0\" \" ab\"? | \"<ctl>\" | \"<unk>\""), vocab);
  GrammarMatcher m(grammar);
  const TokenSet& start = m.allowed_tokens();
  EXPECT_TRUE(start.contains(3));   // <0xE4>
  EXPECT_FALSE(start.contains(4));  // <0xBD> cannot start
  EXPECT_FALSE(start.contains(0));  // <unk>, although the grammar spells "<unk>"
  EXPECT_FALSE(start.contains(9));  // a control token, although the grammar spells it
  EXPECT_FALSE(start.contains(2));  // </s>: not complete yet
  EXPECT_EQ(start.count(), 1);
  EXPECT_TRUE(m.accept(3));
  EXPECT_TRUE(m.accept(4));
  EXPECT_FALSE(m.can_end());
  EXPECT_TRUE(m.accept(5));
  EXPECT_TRUE(m.can_end());
  const TokenSet& after = m.allowed_tokens();
  EXPECT_TRUE(after.contains(6));  // "\u2581ab" is " ab"
  EXPECT_TRUE(after.contains(2));  // </s>
  EXPECT_EQ(after.count(), 2);
  EXPECT_TRUE(m.accept(6));
  EXPECT_TRUE(m.must_end());
  EXPECT_TRUE(m.accept(2));
  EXPECT_FALSE(m.accept(7));
}

TEST(GrammarVocabulary, TokenSetCount) {
  TokenSet s(130);
  EXPECT_EQ(s.count(), 0);
  s.insert(0);
  s.insert(64);
  s.insert(129);
  s.insert(129);
  EXPECT_EQ(s.count(), 3);
  EXPECT_TRUE(s.contains(129));
  EXPECT_FALSE(s.contains(128));
}

}  // namespace
}  // namespace yak
