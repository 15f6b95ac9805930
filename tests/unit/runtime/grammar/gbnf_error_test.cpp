// Every way a grammar can be wrong is a GrammarError whose message names the problem and,
// where it has one, its line:column.
#include <gtest/gtest.h>

#include <string>

#include "yak/grammar.h"

namespace yak {
namespace {

std::string error_of(const std::string& gbnf, std::string_view root = "root") {
  try {
    Grammar::from_gbnf(gbnf, root);
  } catch (const GrammarError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::string& gbnf, const std::string& fragment) {
  const std::string message = error_of(gbnf);
  EXPECT_NE(message.find(fragment), std::string::npos)
      << "grammar:\n"
      << gbnf << "\nmessage: " << message << "\nexpected: " << fragment;
}

TEST(GbnfError, SyntaxErrorsHaveLineAndColumn) {
  expect_error("root ::= \"a\"\nx = \"b\"", "GBNF 2:3: expected '::=' after the rule name 'x'");
  expect_error("root ::= \"abc", "GBNF 1:10: unterminated string literal");
  expect_error("root ::= [abc", "GBNF 1:10: unterminated character class");
  expect_error("root ::= (\"a\" | \"b\"",
               "GBNF 1:20: expected ')' to close the group opened at 1:10");
  expect_error("root ::= \"a\" )", "GBNF 1:14: unexpected ')' in rule 'root'");
  expect_error("::= \"a\"", "GBNF 1:1: expected a rule name");
  expect_error("root ::= \"\\q\"", "GBNF 1:11: unknown escape '\\q'");
  expect_error("root ::= \"\\x4\"", "escape needs 2 hexadecimal digits");
  expect_error("root ::= [z-a]", "GBNF 1:11: character range U+007A-U+0061 is reversed");
  expect_error("root ::= \"a\"{3,2}", "has its maximum below its minimum");
  expect_error("root ::= \"a\"{x}", "expected a count, ',' or '}' in the repetition");
  expect_error("root ::= \"a\"{}", "'{}' needs a count");
  expect_error("root ::= \"\xC3\"", "invalid UTF-8 in the grammar");
}

TEST(GbnfError, UndefinedMissingRootAndDuplicates) {
  expect_error("root ::= item\nitems ::= \"a\"", "GBNF 1:10: undefined rule 'item'");
  expect_error("start ::= \"a\"", "has no rule named 'root'");
  EXPECT_NE(error_of("root ::= \"a\"", "main").find("no rule named 'main'"), std::string::npos);
  expect_error("root ::= \"a\"\nroot ::= \"b\"",
               "GBNF 2:1: rule 'root' is defined twice (first at 1:1)");
}

TEST(GbnfError, LeftRecursionDirectAndIndirect) {
  expect_error("root ::= root \"a\" | \"b\"", "rule 'root' is left-recursive (root -> root)");
  expect_error("root ::= a\na ::= b \"x\" | \"y\"\nb ::= a \"z\"",
               "is left-recursive (a -> b -> a)");
  // Through an item that can be empty.
  expect_error("root ::= \"x\"? root \"a\" | \"b\"", "left-recursive");
  // A repetition of something that can match empty text.
  expect_error("root ::= (\"a\"?)*", "left-recursive");
}

TEST(GbnfError, MatchesNoFiniteText) {
  expect_error("root ::= root \"a\"", "matches no finite text");
  expect_error("root ::= []", "matches no finite text");
  expect_error("root ::= \"a\" [^\\x00-\\U0010FFFF]", "matches no finite text");
  expect_error("root ::= x\nx ::= \"(\" x \")\"", "matches no finite text");
  // A dead alternative is dropped; the rest still works.
  const Grammar g = Grammar::from_gbnf("root ::= \"a\" [] | \"b\"");
  EXPECT_TRUE(g.matches("b"));
  EXPECT_FALSE(g.matches("a"));
}

TEST(GbnfError, Limits) {
  expect_error("root ::= \"a\"{10001}", "repetition count is larger than the limit of 10000");
  expect_error("root ::= \"a\"{1,99999999999999999999}", "larger than the limit");
  expect_error("root ::= " + std::string(200, '(') + "\"a\"" + std::string(200, ')'),
               "nest deeper than 128 levels");
  expect_error("root ::= \"a\"" + std::string(200, '?'), "nest deeper than 128 levels");
  expect_error("root ::= \"" + std::string((1 << 20) + 1, 'a') + "\"",
               "more than the limit of 1048576");
  // Each "a"{10000} expands to 10000 elements: 300 of them pass the limit of 2^21.
  std::string many = "root ::=";
  for (int i = 0; i < 300; ++i) many += " \"a\"{10000}";
  expect_error(many, "expands to more than 2097152 elements");
  // Nested repetitions share their helper rules: 10^8 characters from 20000 elements.
  const Grammar nested = Grammar::from_gbnf("root ::= (\"ab\"{10000}){10000}");
  EXPECT_FALSE(nested.matches("abab"));
}

}  // namespace
}  // namespace yak
