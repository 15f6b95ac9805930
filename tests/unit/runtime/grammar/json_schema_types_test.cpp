// Each JSON Schema type and its keywords: the texts the grammar takes and those it refuses.
#include <gtest/gtest.h>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

TEST(JsonSchemaTypes, Primitives) {
  expect_schema_language(R"({"type": "boolean"})", {"true", "false"},
                         {"1", "\"true\"", "True", ""});
  expect_schema_language(R"({"type": "null"})", {"null"}, {"nil", "", "0"});
  expect_schema_language(R"({"type": "integer"})", {"0", "-0", "7", "-12", "12345678901234567890"},
                         {"01", "1.0", "1e3", "-", "+1", ""});
  expect_schema_language(R"({"type": "number"})",
                         {"0", "-0.5", "3.25", "1e10", "1E-3", "-2.5e+7", "10"},
                         {".5", "1.", "01", "1e", "--1", "NaN", "Infinity"});
  expect_schema_language(
      R"({"type": "string"})",
      {R"("")", R"("abc")", R"("a\"b")", R"("\\")", R"("\u00e9\n\t\/")", "\"caf\xC3\xA9\""},
      {R"(abc)", R"("a)", "\"a\nb\"", R"("\x")", R"("\u12")", R"("a"b")"});
}

TEST(JsonSchemaTypes, TypeListsAndNoType) {
  expect_schema_language(R"({"type": ["string", "null"]})", {"null", R"("x")"}, {"1", "true"});
  expect_schema_language(R"({"type": ["integer", "boolean"]})", {"1", "false"}, {"1.5", "null"});
  expect_schema_language(R"({})", {"1", "null", R"({"a": [1, {"b": null}]})", R"("s")"},
                         {"", "nul"});
  expect_schema_language("true", {"[]", "{}", "-1.5"}, {"x"});
  // Without a type a keyword constrains only its own type.
  expect_schema_language(R"({"minLength": 2})", {R"("ab")", "1", "null", "[]"}, {R"("a")"});
}

}  // namespace
}  // namespace yak::test
