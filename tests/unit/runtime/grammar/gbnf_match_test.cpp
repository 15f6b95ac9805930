// Each GBNF construct accepts the strings it should and rejects the others.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "yak/grammar.h"

namespace yak {
namespace {

void expect_language(const std::string& gbnf, const std::vector<std::string>& accepted,
                     const std::vector<std::string>& rejected) {
  const Grammar g = Grammar::from_gbnf(gbnf);
  for (const std::string& s : accepted)
    EXPECT_TRUE(g.matches(s)) << gbnf << "\nshould match: " << s;
  for (const std::string& s : rejected)
    EXPECT_FALSE(g.matches(s)) << gbnf << "\nshould not match: " << s;
}

TEST(GbnfMatch, Literals) {
  expect_language(R"(root ::= "hello")", {"hello"}, {"", "hell", "hello!", "Hello"});
  expect_language(R"(root ::= "a\nb\t\"\\" "\x41\u00e9\U0001F600")",
                  {"a\nb\t\"\\A\xC3\xA9\xF0\x9F\x98\x80"}, {"a\nb\t\"\\A"});
  expect_language(R"(root ::= "")", {""}, {"a"});
  expect_language("root ::= \"caf\xC3\xA9\"", {"caf\xC3\xA9"}, {"cafe", "caf\xC3"});
}

TEST(GbnfMatch, ClassesRangesAndNegation) {
  expect_language("root ::= [a-c0-9_]", {"a", "b", "c", "0", "9", "_"}, {"d", "A", "", "ab"});
  expect_language("root ::= [^a-c]", {"d", "\n", "\xC3\xA9", "\xE4\xB8\x80"}, {"a", "b", "c", ""});
  expect_language("root ::= [\\]\\-x]", {"]", "-", "x"}, {"\\", "a"});
  expect_language("root ::= [a-]", {"a", "-"}, {"b"});
  // CJK unified ideographs: three-byte UTF-8, checked at both ends and in the middle.
  expect_language("root ::= [\xE4\xB8\x80-\xE9\xBE\xA5]+",
                  {"\xE4\xB8\x80", "\xE9\xBE\xA5", "\xE5\xA5\xBD\xE4\xBA\xBA"},
                  {"\xE4\xB7\xBF", "\xE9\xBE\xA6", "a", "\xE4\xB8", ""});
  expect_language("root ::= [^\\x00-\\x7F]", {"\xC2\x80", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"},
                  {"a", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC2"});
}

TEST(GbnfMatch, AnyCharacterIsOneCodePoint) {
  expect_language("root ::= . .", {"ab", "a\xC3\xA9", "\xF0\x9F\x98\x80\n"},
                  {"a", "abc", "\xC3\xA9", "\xFF\xFF"});
}

TEST(GbnfMatch, Repetitions) {
  expect_language(R"(root ::= "a"*)", {"", "a", "aaaa"}, {"b", "aab"});
  expect_language(R"(root ::= "ab"+)", {"ab", "abab"}, {"", "a", "aba"});
  expect_language(R"(root ::= "a"? "b")", {"b", "ab"}, {"aab", "a"});
  expect_language(R"(root ::= "a"{3})", {"aaa"}, {"aa", "aaaa"});
  expect_language(R"(root ::= "a"{2,})", {"aa", "aaaaaa"}, {"a", ""});
  expect_language(R"(root ::= "a"{2,4})", {"aa", "aaa", "aaaa"}, {"a", "aaaaa"});
  expect_language(R"(root ::= "a"{0,2} "b")", {"b", "ab", "aab"}, {"aaab"});
  expect_language(R"(root ::= [0-9]{,3})", {"", "1", "123"}, {"1234"});
  expect_language(R"(root ::= ("x" "y"?){2})", {"xx", "xyx", "xyxy", "xxy"}, {"x", "xyy"});
}

TEST(GbnfMatch, GroupsAlternativesAndNesting) {
  expect_language(R"(root ::= ("ab" | "ac" | "a") "!")", {"ab!", "ac!", "a!"}, {"ad!", "!"});
  expect_language("root ::= (\n  \"a\" # a comment\n  | \"b\"\n)\n", {"a", "b"}, {"c"});
  expect_language("root ::= x | y\nx ::= \"x\" ((\"1\" | \"2\")+ | \"-\")\ny ::= \"y\"",
                  {"x1", "x12", "x-", "y"}, {"x", "x1-", "xy"});
  expect_language("root ::= \"a\" |\n  \"b\"", {"a", "b"}, {""});
}

TEST(GbnfMatch, RecursionBalancedParentheses) {
  expect_language(R"g(root ::= "(" root ")" root | "")g", {"", "()", "(())()", "((()))"},
                  {"(", ")", "(()", "())("});
  expect_language(
      "root ::= list\nlist ::= \"[\" (item (\",\" item)*)? \"]\"\nitem ::= [0-9] | list",
      {"[]", "[1]", "[1,[2,[]],3]"}, {"[", "[1,]", "[[]"});
}

TEST(GbnfMatch, CustomRootAndSource) {
  const std::string text = "start ::= \"s\" tail\ntail ::= \"t\"\n";
  const Grammar g = Grammar::from_gbnf(text, "start");
  EXPECT_TRUE(g.matches("st"));
  EXPECT_EQ(g.source(), text);
}

TEST(GbnfMatch, JsonObject) {
  const Grammar g = Grammar::json_object();
  for (const char* s : {"{}", "{ }", R"({"a":1})", R"({"a": [1, 2.5e-3, "x\"y", true, null, {}]})",
                        "{\n  \"k\": \"\xE4\xBD\xA0\\u00e9\"\n}"}) {
    EXPECT_TRUE(g.matches(s)) << s;
  }
  for (const char* s : {"", "[]", "{", R"({"a"})", R"({"a":01})", R"({'a':1})", "{\"a\":1,}",
                        "{\"a\":\"\x01\"}", "{        }"}) {
    EXPECT_FALSE(g.matches(s)) << s;
  }
}

}  // namespace
}  // namespace yak
