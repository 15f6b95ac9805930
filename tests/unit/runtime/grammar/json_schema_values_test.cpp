// Arrays, string lengths, enum, const and alternatives.
#include <gtest/gtest.h>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

TEST(JsonSchemaArrays, ItemsAndCounts) {
  expect_schema_language(R"({"type": "array", "items": {"type": "integer"}})",
                         {"[]", "[1]", "[1,2,3]", "[ 1, 2 ]", "[\n  1,\n  2\n]"},
                         {"[1,]", "[,1]", "[\"a\"]", "[1 2]", "[", "{}"});
  expect_schema_language(
      R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})",
      {"[1,2]", "[1,2,3]"}, {"[]", "[1]", "[1,2,3,4]"});
  expect_schema_language(R"({"type": "array", "minItems": 1})", {"[null]", "[1,\"a\",{}]"}, {"[]"});
  expect_schema_language(R"({"type": "array", "maxItems": 0})", {"[]", "[ ]"}, {"[1]"});
  expect_schema_language(
      R"({"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3})",
      {R"(["a","b","c"])"}, {R"(["a","b"])", R"(["a","b","c","d"])"});
}

TEST(JsonSchemaArrays, PrefixItems) {
  const std::string tuple =
      R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
      "items": false})";
  expect_schema_language(tuple, {"[]", R"(["a"])", R"(["a",1])"},
                         {R"(["a",1,2])", R"([1])", R"(["a","b"])"});
  expect_schema_language(
      R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
      "minItems": 2, "items": false})",
      {R"(["a",1])"}, {R"(["a"])", "[]"});
  expect_schema_language(
      R"({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "boolean"},
      "minItems": 1, "maxItems": 3})",
      {R"(["a"])", R"(["a",true,false])"},
      {R"(["a",true,false,true])", R"(["a","b"])", "[]", "[true]"});
  // prefixItems without items: anything after.
  expect_schema_language(R"({"type": "array", "prefixItems": [{"const": 1}]})",
                         {"[]", "[1]", "[1,\"x\",null]"}, {"[2]"});
  // A false prefix item: the array ends before it.
  expect_schema_language(R"({"type": "array", "prefixItems": [{"type": "integer"}, false]})",
                         {"[]", "[1]"}, {"[1,2]"});
}

TEST(JsonSchemaStrings, LengthsCountCharacters) {
  const std::string schema = R"({"type": "string", "minLength": 2, "maxLength": 3})";
  expect_schema_language(
      schema, {R"("ab")", R"("abc")", R"("\n\t")", "\"\xC3\xA9\xE4\xB8\x80\"", R"("a\u00e9")"},
      {R"("a")", R"("abcd")", R"("")", "\"\xC3\xA9\""});
  expect_schema_language(R"({"type": "string", "maxLength": 0})", {R"("")"}, {R"("a")"});
  expect_schema_language(R"({"type": "string", "minLength": 1})", {R"("a")", R"("abcdefgh")"},
                         {R"("")"});
}

TEST(JsonSchemaEnums, ValuesOfAnyType) {
  expect_schema_language(R"({"enum": ["red", "green", 3, null, true, [1, 2], {"a": 1}]})",
                         {R"("red")", R"("green")", "3", "null", "true", "[1,2]", "[ 1, 2 ]",
                          R"({"a":1})", "{\n  \"a\": 1\n}"},
                         {R"("blue")", "4", "false", "[2,1]", R"({"a":2})", R"("Red")"});
  expect_schema_language(R"({"type": "string", "enum": ["a", 1]})", {R"("a")"}, {"1"});
  expect_schema_language(R"({"const": "fixed"})", {R"("fixed")"}, {R"("other")"});
  expect_schema_language(R"({"const": {"k": [true, null]}})", {R"({"k":[true,null]})"},
                         {R"({"k":[true]})"});
  expect_schema_language(R"({"enum": ["a\"b", "line\nbreak"]})", {R"("a\"b")", R"("line\nbreak")"},
                         {R"("ab")"});
}

TEST(JsonSchemaAlternatives, AnyOfAndOneOf) {
  const std::string schema = R"({"anyOf": [
      {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
       "required": ["kind", "r"], "additionalProperties": false},
      {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
       "required": ["kind", "side"], "additionalProperties": false}]})";
  expect_schema_language(schema, {R"({"kind":"circle","r":1.5})", R"({"kind":"square","side":2})"},
                         {R"({"kind":"circle","side":2})", R"({"kind":"triangle"})"});
  expect_schema_language(R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})", {R"("a")", "1"},
                         {"null", "1.5"});
  expect_schema_language(R"({"anyOf": [false, {"type": "null"}]})", {"null"}, {"1"});
}

}  // namespace
}  // namespace yak::test
