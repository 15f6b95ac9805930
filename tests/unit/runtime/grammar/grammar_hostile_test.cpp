// Hostile grammars and texts: each ends in a GrammarError (or a correct answer) within a
// bounded time and memory, never a crash, a hang or a huge allocation.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "unit/runtime/grammar/grammar_test_util.h"

namespace yak {
namespace {

class Deadline {
 public:
  explicit Deadline(double seconds) : seconds_(seconds) {}
  ~Deadline() {
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    EXPECT_LT(took, seconds_) << "took " << took << " s";
  }

 private:
  double seconds_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST(GrammarHostile, LargeBoundedRepetitionStaysCheap) {
  Deadline deadline(2.0);
  const Grammar g = Grammar::from_gbnf(R"(root ::= "a"{0,10000} "b"{10000})");
  EXPECT_TRUE(g.matches(std::string(10000, 'a') + std::string(10000, 'b')));
  EXPECT_TRUE(g.matches(std::string(10000, 'b')));
  EXPECT_FALSE(g.matches(std::string(10001, 'a') + std::string(10000, 'b')));
  EXPECT_FALSE(g.matches(std::string(9999, 'b')));
}

TEST(GrammarHostile, ExplodingAmbiguityIsAnError) {
  Deadline deadline(2.0);
  // After n a's there are 2^n ways to close: the stack cap stops it.
  const Grammar g = Grammar::from_gbnf(R"(root ::= s
s ::= "a" s "b" | "a" s "c" | "")");
  EXPECT_TRUE(g.matches("aabc"));
  EXPECT_THROW(g.matches(std::string(40, 'a')), GrammarError);
  // 2^40 expansions of the start state: refused when the grammar is built.
  std::string chain = "root ::= a0\n";
  for (int i = 0; i < 40; ++i)
    chain += "a" + std::to_string(i) + " ::= a" + std::to_string(i + 1) + " | a" +
             std::to_string(i + 1) + " \"x\"\n";
  chain += "a40 ::= \"y\"\n";
  EXPECT_THROW(Grammar::from_gbnf(chain), GrammarError);
}

TEST(GrammarHostile, AmbiguousStateMaskIsBounded) {
  YAK_GRAMMAR_MODEL_OR_SKIP(model, test::kSmolLm2File);
  Deadline deadline(20.0);
  GrammarMatcher m(test::bind(R"(root ::= s
s ::= "a" s "b" | "a" s "c" | "a" s [a-z] | "a" s [a-z ]+ | "")",
                              *model));
  bool refused = false;
  try {
    for (int i = 0; i < 12 && !refused; ++i) {
      m.allowed_tokens();
      refused = !m.accept_bytes("a");
    }
  } catch (const GrammarError& e) {
    refused = true;
    EXPECT_NE(std::string(e.what()).find("too ambiguous"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(refused);
}

TEST(GrammarHostile, DeepNestingIsAnError) {
  Deadline deadline(5.0);
  const Grammar g = Grammar::from_gbnf(R"g(root ::= "(" root ")" | "x")g");
  EXPECT_TRUE(g.matches(std::string(1000, '(') + "x" + std::string(1000, ')')));
  try {
    g.matches(std::string(10000, '('));
    ADD_FAILURE() << "no error";
  } catch (const GrammarError& e) {
    EXPECT_NE(std::string(e.what()).find("nests deeper"), std::string::npos) << e.what();
  }
}

TEST(GrammarHostile, LongRuleChainIsAnError) {
  Deadline deadline(2.0);
  std::string chain = "root ::= r0\n";
  for (int i = 0; i < 6000; ++i)
    chain += "r" + std::to_string(i) + " ::= r" + std::to_string(i + 1) + "\n";
  chain += "r6000 ::= \"z\"\n";
  try {
    Grammar::from_gbnf(chain);
    ADD_FAILURE() << "no error";
  } catch (const GrammarError& e) {
    EXPECT_NE(std::string(e.what()).find("enters more than 4096 rules"), std::string::npos)
        << e.what();
  }
}

TEST(GrammarHostile, GarbageTextGivesErrorsNotCrashes) {
  Deadline deadline(2.0);
  const std::string pieces[] = {"::=", "\"",   "[", "]",  "(", ")", "|", "*", "{",    "}", ",",
                                "\\",  "root", " ", "\n", "a", "9", "^", "-", "\xFF", "#", "."};
  uint32_t seed = 7;
  for (int n = 0; n < 3000; ++n) {
    std::string text = "root ::= ";
    for (int i = 0; i < 12; ++i) {
      seed = seed * 1103515245u + 12345u;
      text += pieces[(seed >> 16) % std::size(pieces)];
    }
    try {
      Grammar::from_gbnf(text).matches("aa");
    } catch (const GrammarError&) {
    }
  }
}

}  // namespace
}  // namespace yak
