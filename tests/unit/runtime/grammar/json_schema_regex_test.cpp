// `pattern`: the regular-expression subset, with JSON Schema's unanchored matching, checked
// on the JSON text of strings.
#include <gtest/gtest.h>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

// Strings (their content, quoted here) that the pattern takes and refuses.
void expect_pattern(const std::string& pattern, const std::vector<std::string>& accepted,
                    const std::vector<std::string>& rejected) {
  const std::string schema = Json{{"type", "string"}, {"pattern", pattern}}.dump();
  auto quote = [](const std::vector<std::string>& contents) {
    std::vector<std::string> out;
    for (const std::string& c : contents) out.push_back(Json(c).dump());
    return out;
  };
  expect_schema_language(schema, quote(accepted), quote(rejected));
}

TEST(JsonSchemaPattern, AnchoredLiteralsAndClasses) {
  expect_pattern("^abc$", {"abc"}, {"ab", "abcd", "xabc", ""});
  expect_pattern("^[a-c]+$", {"a", "abcabc"}, {"", "abd", "A"});
  expect_pattern("^[^a-c]$", {"d", "\xC3\xA9", "\"", "\\", "\n"}, {"a", "dd", ""});
  expect_pattern("^\\d{3}-\\d{4}$", {"555-1234"}, {"5551234", "55-1234", "555-12345", "abc-defg"});
  expect_pattern("^\\w+@\\w+\\.com$", {"me@host.com", "a_1@b2.com"}, {"me@host.org", "@host.com"});
  expect_pattern("^\\s*$", {"", " ", "\t\n "}, {"a", " a"});
  expect_pattern("^\\S\\D\\W$", {"ab!", "x_-"}, {"a1!", " a!", "aba"});
  expect_pattern("^.$", {"a", "\xE4\xB8\x80", "\""}, {"\n", "\r", "ab", ""});
  expect_pattern("^[\\d.]+$", {"1.5", "..."}, {"1,5"});
  expect_pattern("^[a\\-z]$", {"a", "-", "z"}, {"b"});
  expect_pattern("^[-a]$", {"-", "a"}, {"b"});
  expect_pattern("^\\x41\\u00e9\\.\\$\\^$", {"A\xC3\xA9.$^"}, {"A\xC3\xA9x$^"});
}

TEST(JsonSchemaPattern, GroupsAlternationQuantifiers) {
  expect_pattern("^(ab|cd)+$", {"ab", "cdab", "ababcd"}, {"", "abc", "ac"});
  expect_pattern("^(?:x|y){2,3}$", {"xy", "yyy"}, {"x", "xyxy"});
  expect_pattern("^a{3}$", {"aaa"}, {"aa", "aaaa"});
  expect_pattern("^a{2,}$", {"aa", "aaaaa"}, {"a"});
  expect_pattern("^a{0,2}b?$", {"", "a", "aab", "b"}, {"aaa", "bb"});
  expect_pattern("^a+?b*?$", {"a", "ab", "aabb"}, {"b", ""});
  expect_pattern("^(a|)b$", {"ab", "b"}, {"aab"});
  expect_pattern("^(a|)*b$", {"b", "aaab"}, {"ba"});
  expect_pattern("^(|a|bc)$", {"", "a", "bc"}, {"b"});
  expect_pattern("^()$", {""}, {"a"});
}

TEST(JsonSchemaPattern, UnanchoredMeansSearch) {
  expect_pattern("abc", {"abc", "xxabcxx", "abcabc"}, {"ab", "acb", ""});
  expect_pattern("^ab", {"ab", "abzz"}, {"zab"});
  expect_pattern("ab$", {"ab", "zzab"}, {"abz"});
  // Each top-level alternative has its own anchors.
  expect_pattern("^a|b$", {"a", "axx", "xxb", "b"}, {"xa", "bx", "c"});
  expect_pattern("", {"", "anything"}, {});
  expect_pattern("^$", {""}, {"a"});
}

TEST(JsonSchemaPattern, CharactersAsJsonWritesThem) {
  // Quotes, backslashes and control characters are constrained in their escaped forms.
  expect_pattern("^a\"b$", {"a\"b"}, {"ab"});
  expect_pattern("^\\\\n$", {"\\n"}, {"\n"});
  expect_pattern("^\\n\\t$", {"\n\t"}, {"nt"});
  expect_pattern("^[\\x00-\\x1f]$", {std::string(1, '\0'), "\x1f", "\n"}, {" "});
  // A constrained character only in the form json.dumps(ensure_ascii=False) writes it: a
  // \u escape of a printable character is refused (stricter than the schema, never looser).
  expect_schema_language(R"({"type": "string", "pattern": "^x.y$"})", {R"("x\"y")", R"("xAy")"},
                         {R"("x\u0041y")", R"("x\u0022y")"});
  // Unconstrained parts (the ends of an unanchored pattern) take any escape.
  expect_schema_language(R"({"type": "string", "pattern": "b"})", {R"("\u0041b\u00e9")"},
                         {R"("\u0041")"});
}

TEST(JsonSchemaPattern, UnsupportedConstructsAreErrors) {
  for (const char* pattern :
       {"(?=a)",    "(?!a)", "(?<=a)b", "(?<name>a)", "(a)\\1", "\\bword", "\\B",    "\\p{L}",
        "a^b",      "(^a)",  "a$b",     "(a$)",       "*a",     "a**",     "a{2,1}", "[]",
        "[^]",      "[z-a]", "(a",      "a)",         "[abc",   "\\",      "\\q",    "\\cA",
        "a{99999}", "(a*)*", "[\\d-z]", "\\u{41}",    "\\012",  "{"}) {
    SCOPED_TRACE(pattern);
    const std::string message = schema_error(Json{{"type", "string"}, {"pattern", pattern}}.dump());
    EXPECT_NE(message.find("unsupported JSON Schema keyword 'pattern' at the root"),
              std::string::npos)
        << message;
  }
  const std::string message =
      schema_error(R"js({"properties": {"p": {"type": "string", "pattern": "(?=x)"}}})js");
  EXPECT_NE(message.find("'pattern' at /properties/p"), std::string::npos) << message;
  EXPECT_NE(message.find("group construct '(?'"), std::string::npos) << message;
}

}  // namespace
}  // namespace yak::test
