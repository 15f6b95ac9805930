// Objects: required and optional properties in schema order, additionalProperties, allOf,
// and references (recursive ones too).
#include <gtest/gtest.h>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

TEST(JsonSchemaObjects, RequiredAndOptionalInOrder) {
  const std::string schema = R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
      "required": ["b"], "additionalProperties": false})";
  expect_schema_language(
      schema,
      {R"({"b":"x"})", R"({"a":1,"b":"x"})", R"({"b":"x","c":true})",
       R"({"a":1,"b":"x","c":false})", R"({ "a": 1, "b": "x" })",
       "{\n  \"a\": 1,\n  \"b\": \"x\"\n}"},
      {R"({})", R"({"a":1})", R"({"b":"x","a":1})", R"({"b":"x",})", R"({,"b":"x"})",
       R"({"b":"x","d":1})", R"({"b":1})", R"({"b":"x""c":true})", R"({"b":"x","b":"y"})"});
}

TEST(JsonSchemaObjects, AllOptional) {
  const std::string schema = R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "integer"}}, "additionalProperties": false})";
  expect_schema_language(schema, {"{}", "{ }", R"({"a":1})", R"({"b":2})", R"({"a":1,"b":2})"},
                         {R"({"b":2,"a":1})", R"({,})", R"({"a":1,})", R"({"c":1})"});
}

TEST(JsonSchemaObjects, ManyPropertiesUseRestRules) {
  std::string properties;
  for (int i = 0; i < 12; ++i) {
    properties +=
        (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\": {\"type\": \"integer\"}";
  }
  const std::string schema = "{\"type\": \"object\", \"properties\": {" + properties +
                             "}, \"required\": [\"p5\"], \"additionalProperties\": false}";
  expect_schema_language(
      schema, {R"({"p5":5})", R"({"p0":0,"p5":5,"p11":11})", R"({"p4":4,"p5":5,"p6":6})"},
      {R"({"p0":0})", R"({"p11":11,"p5":5})", R"({})"});
}

TEST(JsonSchemaObjects, AdditionalPropertiesAbsentOrTrue) {
  for (const char* extra : {"", R"(, "additionalProperties": true)"}) {
    const std::string schema =
        std::string(R"({"type": "object", "properties": {"name": {"type": "string"}},
        "required": ["name"])") +
        extra + "}";
    expect_schema_language(
        schema,
        {R"({"name":"x"})", R"({"name":"x","age":3})",
         R"({"name":"x","tags":[1,{"a":null}],"n":"nam"})", R"({"name":"x","names":1})",
         R"({"name":"x","":1})"},
        // A declared key again as an additional one, or out of order.
        {R"({"name":"x","name":"y"})", R"({"age":3,"name":"x"})", R"({"age":3})"});
  }
  // No properties at all: any object.
  expect_schema_language(R"({"type": "object"})",
                         {"{}", R"({"a":1,"b":[true]})", R"({"\u0041":1})"},
                         {"[]", R"({"a"})", R"({1:2})"});
}

TEST(JsonSchemaObjects, AdditionalPropertiesSchema) {
  const std::string schema = R"({"type": "object", "properties": {"id": {"type": "integer"}},
      "additionalProperties": {"type": "string"}})";
  expect_schema_language(schema,
                         {"{}", R"({"id":1})", R"({"id":1,"x":"a","y":"b"})", R"({"x":"a"})"},
                         {R"({"id":1,"x":2})", R"({"id":"a"})", R"({"x":"a","id":1})"});
  expect_schema_language(R"({"type": "object", "additionalProperties": {"type": "integer"}})",
                         {"{}", R"({"a":1,"b":2})"}, {R"({"a":"x"})"});
}

TEST(JsonSchemaObjects, RequiredWithoutDeclaredSchema) {
  expect_schema_language(R"({"type": "object", "required": ["x"]})",
                         {R"({"x":null})", R"({"x":1,"y":2})"}, {"{}", R"({"y":2})"});
  expect_schema_language(
      R"({"type": "object", "required": ["x"], "additionalProperties": {"type": "integer"}})",
      {R"({"x":1})"}, {R"({"x":"s"})", "{}"});
}

TEST(JsonSchemaObjects, FalsePropertyIsForbidden) {
  expect_schema_language(
      R"({"type": "object", "properties": {"a": false, "b": {"type": "integer"}}})",
      {"{}", R"({"b":1})", R"({"b":1,"c":2})"}, {R"({"a":1})", R"({"b":1,"a":1})"});
}

TEST(JsonSchemaObjects, AllOfMergesObjects) {
  const std::string schema = R"({
      "$defs": {"named": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
      "allOf": [{"$ref": "#/$defs/named"},
                {"properties": {"age": {"type": "integer"}}, "required": ["age"]}]})";
  expect_schema_language(schema, {R"({"name":"a","age":3})", R"({"name":"a","age":3,"x":1})"},
                         {R"({"name":"a"})", R"({"age":3})", R"({"age":3,"name":"a"})"});
  // A single member is that schema, whatever it is.
  expect_schema_language(R"({"allOf": [{"type": "string", "maxLength": 1}]})", {R"("a")"},
                         {R"("ab")", "1"});
}

TEST(JsonSchemaObjects, RecursiveReferences) {
  const std::string tree = R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
      "properties": {"value": {"type": "integer"},
                     "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
      "required": ["value"], "additionalProperties": false}}})";
  expect_schema_language(
      tree,
      {R"({"value":1})", R"({"value":1,"children":[]})",
       R"({"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4}]})"},
      {R"({"value":1,"children":[{}]})", R"({"children":[]})",
       R"({"value":1,"children":[{"value":"x"}]})"});
  const std::string list = R"({"definitions": {"cell": {"type": "object", "properties": {
      "head": {"type": "string"}, "tail": {"anyOf": [{"$ref": "#/definitions/cell"}, {"type": "null"}]}},
      "required": ["head", "tail"], "additionalProperties": false}}, "$ref": "#/definitions/cell"})";
  expect_schema_language(
      list, {R"({"head":"a","tail":null})", R"({"head":"a","tail":{"head":"b","tail":null}})"},
      {R"({"head":"a"})", R"({"head":"a","tail":{"head":"b"}})"});
  // "#" is the whole schema.
  expect_schema_language(
      R"({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"$ref": "#"}]}})",
      {"[]", "[1,[2,[3,[]]]]"}, {"[1,[\"a\"]]"});
}

TEST(JsonSchemaObjects, KeysNeedingEscapes) {
  expect_schema_language(
      R"({"type": "object", "properties": {"a\"b": {"type": "integer"}, "caf\u00e9": {"const": 1}},
      "additionalProperties": false})",
      {R"({"a\"b":1})", "{\"caf\xC3\xA9\":1}", R"({"a\"b":1,"café":1})"},
      {R"({"ab":1})", R"({"a\"b":"1"})"});
}

}  // namespace
}  // namespace yak::test
