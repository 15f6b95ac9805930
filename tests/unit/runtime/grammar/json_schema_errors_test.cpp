// What the converter refuses: each message names the keyword and where it is (a JSON pointer).
#include <gtest/gtest.h>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

void expect_error(const std::string& schema, const std::string& expected) {
  const std::string message = schema_error(schema);
  EXPECT_NE(message.find(expected), std::string::npos)
      << "schema " << schema << "\nmessage: " << message << "\nexpected to contain: " << expected;
}

TEST(JsonSchemaErrors, UnsupportedKeywordsNameKeywordAndPointer) {
  expect_error(R"({"properties": {"a": {"not": {"type": "string"}}}})",
               "unsupported JSON Schema keyword 'not' at /properties/a");
  for (const char* keyword :
       {"if", "then", "else", "patternProperties", "dependentRequired", "dependentSchemas",
        "uniqueItems", "multipleOf", "contains", "propertyNames", "minProperties", "maxProperties",
        "unevaluatedProperties", "additionalItems", "$dynamicRef"}) {
    expect_error(Json{{"type", "object"}, {keyword, 1}}.dump(),
                 std::string("unsupported JSON Schema keyword '") + keyword + "' at the root");
  }
  expect_error(R"({"type": "array", "items": {"nullable": true}})",
               "unknown JSON Schema keyword 'nullable' at /items");
  expect_error(R"({"$defs": {"a/b": {"type": "object", "properties": {"x~y": {"if": {}}}}},
                   "$ref": "#/$defs/a~1b"})",
               "'if' at /$defs/a~1b/properties/x~0y");
  expect_error(R"({"type": "number", "minimum": 0.5})",
               "unsupported JSON Schema keyword 'minimum' on type 'number' at the root: only "
               "integer bounds");
  expect_error(R"({"anyOf": [{"type": "string"}], "type": "string"})",
               "keyword 'type' alongside 'anyOf' at the root");
  expect_error(R"({"$ref": "#/$defs/a", "maxLength": 3, "$defs": {"a": {}}})",
               "keyword 'maxLength' alongside '$ref'");
  expect_error(R"({"enum": ["a"], "maxLength": 3})", "keyword 'maxLength' alongside 'enum'");
  expect_error(R"({"type": "array", "items": [{"type": "string"}]})", "'items' as an array");
  expect_error(R"({"$ref": "http://example.com/schema"})",
               "unsupported JSON Schema $ref 'http://example.com/schema' at the root");
  expect_error(R"({"allOf": [{"type": "object"}, {"type": "string"}]})",
               "keyword 'type' in an allOf member at /allOf/1");
  expect_error(
      R"({"allOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "integer"}}}]})",
      "property 'a' has different schemas in allOf members at /allOf/1");
  expect_error(R"({"allOf": [{"additionalProperties": false}, {}]})",
               "keyword 'additionalProperties' in an allOf member at /allOf/0");
  expect_error(R"({"type": "string", "pattern": "^a", "maxLength": 3})",
               "keyword 'maxLength' alongside 'pattern'");
}

TEST(JsonSchemaErrors, InvalidSchemas) {
  expect_error(R"({"type": "text"})", "invalid JSON Schema: 'type' must be one of");
  expect_error(R"({"type": ["string", "string"]})", "'type' must be a list without repeats");
  expect_error(R"({"properties": []})", "'properties' must be an object at the root");
  expect_error(R"({"required": "a"})", "'required' must be an array of strings at the root");
  expect_error(R"({"enum": []})", "'enum' must be a non-empty array");
  expect_error(R"({"anyOf": {}})", "'anyOf' must be a non-empty array of schemas");
  expect_error(R"({"type": "array", "minItems": -1})",
               "'minItems' must be a non-negative integer at the root");
  expect_error(R"({"type": "array", "minItems": 1.5})",
               "'minItems' must be a non-negative integer");
  expect_error(R"({"type": "array", "minItems": 3, "maxItems": 2})",
               "minItems 3 exceeds maxItems 2 at the root");
  expect_error(R"({"type": "string", "minLength": 3, "maxLength": 2})",
               "minLength 3 exceeds maxLength 2 at the root");
  expect_error(R"({"type": "integer", "minimum": "0"})", "'minimum' must be a number");
  expect_error(R"({"properties": {"a": 5}})",
               "a schema must be an object or a boolean at /properties/a");
  expect_error(R"({"$ref": "#/$defs/missing"})", "unresolvable $ref '#/$defs/missing' at the root");
  expect_error(R"({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}})",
               "refers to itself");
  expect_error(R"({"pattern": 5})", "'pattern' must be a string");
  expect_error(R"({"additionalProperties": 1})", "'additionalProperties' must be a schema");
}

TEST(JsonSchemaErrors, SchemasMatchingNothing) {
  expect_error("false", "JSON Schema 'false' at the root matches no value");
  expect_error(R"({"properties": {"a": false}, "required": ["a"]})",
               "property 'a' at the root is required but its schema is false");
  expect_error(R"({"type": "object", "required": ["a"], "additionalProperties": false})",
               "requires property 'a' at the root but it is not in 'properties'");
  expect_error(R"({"type": "array", "prefixItems": [{}], "items": false, "minItems": 2})",
               "allows at most 1 items but minItems is 2");
  expect_error(R"({"type": "integer", "enum": ["a", "b"]})",
               "'enum' at the root has no value of the schema's type");
  expect_error(R"({"anyOf": [false, false]})", "'anyOf' at the root matches no value");
  expect_error(R"({"type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 4})",
               "admits no integer");
}

TEST(JsonSchemaErrors, HostileSchemasAreBounded) {
  expect_error(R"({"type": "array", "minItems": 1000000000})",
               "'minItems' at the root is 1000000000: over the limit of 10000");
  expect_error(R"({"type": "string", "maxLength": 99999999999})",
               "'maxLength' at the root is 99999999999: over the limit");
  std::string deep = R"({"type": "string"})";
  for (int i = 0; i < 100; ++i) deep = R"({"type": "array", "items": )" + deep + "}";
  expect_error(deep, "nested deeper than 64 levels");
  // Many large enum values: the grammar text is bounded.
  Json big = Json::array();
  for (int i = 0; i < 3000; ++i) big.push_back(std::string(500, 'a' + i % 26) + std::to_string(i));
  expect_error(Json{{"enum", big}}.dump(), "JSON Schema too large");
  // Deep values, long names and deep patterns fail cleanly instead of recursing without end.
  Json nested = 1;
  for (int i = 0; i < 1000; ++i) nested = Json::array({std::move(nested)});
  expect_error(Json{{"const", nested}}.dump(),
               "enum/const value at the root nested deeper than 64 levels");
  expect_error(
      Json{{"type", "object"}, {"properties", {{std::string(5000, 'k'), Json::object()}}}}.dump(),
      "property name at /properties/kkk");
  expect_error(
      Json{{"type", "string"}, {"pattern", std::string(100000, '(') + std::string(100000, ')')}}
          .dump(),
      "groups nested too deeply");
  // The largest counts allowed compile and match.
  const Grammar long_string =
      schema_grammar(R"({"type": "string", "minLength": 9990, "maxLength": 10000})");
  EXPECT_TRUE(long_string.matches("\"" + std::string(9995, 'x') + "\""));
  EXPECT_FALSE(long_string.matches("\"" + std::string(10001, 'x') + "\""));
  const Grammar long_array =
      schema_grammar(R"({"type": "array", "items": {"const": 1}, "maxItems": 10000})");
  std::string ones = "[1";
  for (int i = 1; i < 10000; ++i) ones += ",1";
  EXPECT_TRUE(long_array.matches(ones + "]"));
  EXPECT_FALSE(long_array.matches(ones + ",1]"));
  // Long keys nest groups one level per character in the additional-key rule: still compiles.
  const std::string key(300, 'k');
  EXPECT_NO_THROW(Grammar::from_json_schema(
      Json{{"type", "object"}, {"properties", {{key, {{"type", "integer"}}}}}}));
  expect_schema_language(
      Json{{"type", "object"}, {"properties", {{key, {{"type", "integer"}}}}}}.dump(),
      {"{\"" + key + "\":1}", "{\"" + key + "k\":\"x\"}"}, {"{\"" + key + "\":\"x\"}"});
}

TEST(JsonSchemaErrors, RootRuleNames) {
  EXPECT_THROW(json_schema_to_gbnf(Json::object(), "bad name"), GrammarError);
  EXPECT_THROW(json_schema_to_gbnf(Json::object(), ""), GrammarError);
  const std::string text =
      json_schema_to_gbnf(Json{{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}},
                          "tool-get-weather-args");
  // Every rule is the root or prefixed by it, so grammars of several schemas combine.
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    EXPECT_EQ(line.rfind("tool-get-weather-args", 0), 0u) << line;
    start = end + 1;
  }
  const std::string a = json_schema_to_gbnf(Json{{"type", "integer"}}, "a");
  const std::string b = json_schema_to_gbnf(Json{{"type", "string"}}, "b");
  const Grammar both = Grammar::from_gbnf("root ::= a \" \" b\n" + a + b);
  EXPECT_TRUE(both.matches("12 \"x\""));
  EXPECT_FALSE(both.matches("\"x\" 12"));
}

}  // namespace
}  // namespace yak::test
