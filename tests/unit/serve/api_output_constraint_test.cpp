// response_format, llama.cpp's grammar and json_schema fields: each form read into the grammar
// it asks for, and each malformed one a 400 naming the field.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/output_constraint.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

std::shared_ptr<const Grammar> parse(const char* text) {
  return parse_output_constraint(body(text));
}

// The field a refusal names; its message names it too.
std::string refused_param(const char* text) {
  const ApiError e = api_error_of([&] { parse(text); });
  EXPECT_EQ(e.status(), 400) << text;
  EXPECT_NE(std::string(e.what()).find(e.param()), std::string::npos) << e.what();
  return e.param();
}

TEST(ApiOutputConstraint, TextAndAbsenceLeaveTheOutputFree) {
  EXPECT_EQ(parse("{}"), nullptr);
  EXPECT_EQ(parse(R"({"response_format": null})"), nullptr);
  EXPECT_EQ(parse(R"({"response_format": {"type": "text"}})"), nullptr);
  EXPECT_EQ(parse(R"({"grammar": ""})"), nullptr);
}

TEST(ApiOutputConstraint, JsonObjectModeAllowsAnyObjectOnly) {
  const auto g = parse(R"({"response_format": {"type": "json_object"}})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->matches(R"({"a": [1, 2.5, "x", null, true], "b": {}})"));
  EXPECT_FALSE(g->matches("[1]"));
  EXPECT_FALSE(g->matches(R"({"a": )"));
}

TEST(ApiOutputConstraint, JsonSchemaModeFollowsTheSchema) {
  const auto g = parse(R"({"response_format": {"type": "json_schema", "json_schema": {
      "name": "person", "strict": true, "schema": {"type": "object",
      "properties": {"age": {"type": "integer"}}, "required": ["age"],
      "additionalProperties": false}}}})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->matches(R"({"age": 41})"));
  EXPECT_FALSE(g->matches(R"({"age": "41"})"));
  EXPECT_FALSE(g->matches(R"({})"));
  // Without a schema: any object, as OpenAI allows.
  const auto any = parse(R"({"response_format": {"type": "json_schema",
                                                 "json_schema": {"name": "x"}}})");
  ASSERT_NE(any, nullptr);
  EXPECT_TRUE(any->matches(R"({"k": 1})"));
}

TEST(ApiOutputConstraint, LlamaCppExtensionFields) {
  const auto g = parse(R"({"grammar": "root ::= \"yes\" | \"no\""})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->matches("yes"));
  EXPECT_FALSE(g->matches("maybe"));
  const auto s = parse(R"({"json_schema": {"type": "array", "items": {"type": "boolean"}}})");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->matches("[true, false]"));
  EXPECT_FALSE(s->matches("[1]"));
}

TEST(ApiOutputConstraint, MalformedFormsNameTheField) {
  EXPECT_EQ(refused_param(R"({"response_format": "json"})"), "response_format");
  EXPECT_EQ(refused_param(R"({"response_format": {}})"), "response_format.type");
  EXPECT_EQ(refused_param(R"({"response_format": {"type": "yaml"}})"), "response_format.type");
  EXPECT_EQ(refused_param(R"({"response_format": {"type": "json_schema"}})"),
            "response_format.json_schema");
  EXPECT_EQ(refused_param(R"({"response_format": {"type": "json_schema",
                                                  "json_schema": {"schema": {}}}})"),
            "response_format.json_schema.name");
  EXPECT_EQ(refused_param(R"({"response_format": {"type": "json_schema",
                                                  "json_schema": {"name": "a b"}}})"),
            "response_format.json_schema.name");
  EXPECT_EQ(refused_param(R"({"response_format": {"type": "json_schema",
                              "json_schema": {"name": "a", "schema": [1]}}})"),
            "response_format.json_schema.schema");
  EXPECT_EQ(refused_param(R"({"grammar": 5})"), "grammar");
  EXPECT_EQ(refused_param(R"({"json_schema": "string"})"), "json_schema");
}

TEST(ApiOutputConstraint, WhatTheGrammarRefusesIsA400SayingWhy) {
  {
    const ApiError e = api_error_of([] {
      parse(R"({"response_format": {"type": "json_schema", "json_schema": {"name": "a",
               "schema": {"type": "object", "not": {"required": ["x"]}}}}})");
    });
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.param(), "response_format.json_schema.schema");
    EXPECT_NE(std::string(e.what()).find("not"), std::string::npos) << e.what();
  }
  {
    const ApiError e = api_error_of([] { parse(R"({"grammar": "root ::= undefined-rule"})"); });
    EXPECT_EQ(e.param(), "grammar");
    EXPECT_NE(std::string(e.what()).find("undefined-rule"), std::string::npos) << e.what();
  }
  EXPECT_EQ(refused_param(R"({"grammar": "root ::= \"a"})"), "grammar");
}

TEST(ApiOutputConstraint, OneConstraintAtATime) {
  const ApiError e = api_error_of([] {
    parse(R"({"response_format": {"type": "json_object"}, "grammar": "root ::= \"a\""})");
  });
  EXPECT_EQ(e.status(), 400);
  EXPECT_NE(std::string(e.what()).find("response_format"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("grammar"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace yak::serve
