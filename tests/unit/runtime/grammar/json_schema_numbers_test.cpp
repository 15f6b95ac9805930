// Integer ranges: the grammar of [minimum, maximum] takes exactly the integers in it, in
// canonical decimal form, checked exhaustively over a window of integers.
#include "runtime/grammar/json_schema_numbers.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

using Bound = std::optional<int64_t>;

void expect_exact_range(Bound low, Bound high, int64_t from, int64_t to) {
  const std::string gbnf = "root ::= " + grammar::integer_range_gbnf(low, high) + "\n";
  const Grammar g = Grammar::from_gbnf(gbnf);
  int mismatches = 0;
  for (int64_t v = from; v <= to && mismatches < 5; ++v) {
    const bool in_range = (!low || v >= *low) && (!high || v <= *high);
    if (g.matches(std::to_string(v)) != in_range) {
      ++mismatches;
      ADD_FAILURE() << v << (in_range ? " should" : " should not") << " match\n" << gbnf;
    }
  }
  // Never a non-canonical form: leading zeros, "-0", a plus sign.
  for (const char* bad : {"00", "01", "-0", "-01", "+1", "", "-"}) {
    EXPECT_FALSE(g.matches(bad)) << bad << "\n" << gbnf;
  }
}

TEST(JsonSchemaIntegerRange, FixedCases) {
  expect_exact_range(0, 0, -50, 50);
  expect_exact_range(1, 1, -50, 50);
  expect_exact_range(-1, -1, -50, 50);
  expect_exact_range(0, 9, -50, 50);
  expect_exact_range(10, 99, -200, 200);
  expect_exact_range(-99, -10, -200, 200);
  expect_exact_range(7, 1234, -100, 2000);
  expect_exact_range(-1234, -7, -2000, 100);
  expect_exact_range(-15, 273, -1000, 1000);
  expect_exact_range(100, 100, 0, 1000);
  expect_exact_range(199, 201, 0, 1000);
  expect_exact_range(std::nullopt, 0, -1000, 1000);
  expect_exact_range(0, std::nullopt, -1000, 1000);
  expect_exact_range(1, std::nullopt, -1000, 1000);
  expect_exact_range(std::nullopt, -1, -1000, 1000);
  expect_exact_range(-37, std::nullopt, -1000, 1000);
  expect_exact_range(std::nullopt, 512, -1000, 1000);
  expect_exact_range(std::nullopt, -512, -1000, 1000);
  expect_exact_range(555, std::nullopt, -1000, 1000);
}

TEST(JsonSchemaIntegerRange, RandomBoundsExhaustively) {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int64_t> value(-1000, 1000);
  std::uniform_int_distribution<int> kind(0, 5);
  for (int trial = 0; trial < 60; ++trial) {
    int64_t a = value(rng);
    int64_t b = value(rng);
    if (a > b) std::swap(a, b);
    Bound low = a;
    Bound high = b;
    const int k = kind(rng);
    if (k == 0) low.reset();
    if (k == 1) high.reset();
    SCOPED_TRACE(testing::Message() << "bounds " << (low ? std::to_string(*low) : "-inf") << " "
                                    << (high ? std::to_string(*high) : "inf"));
    expect_exact_range(low, high, -1000, 1000);
  }
}

TEST(JsonSchemaIntegerRange, SixtyFourBitExtremes) {
  const Grammar all =
      Grammar::from_gbnf("root ::= " + grammar::integer_range_gbnf(INT64_MIN, INT64_MAX));
  EXPECT_TRUE(all.matches("9223372036854775807"));
  EXPECT_TRUE(all.matches("-9223372036854775808"));
  EXPECT_FALSE(all.matches("9223372036854775808"));
  EXPECT_FALSE(all.matches("-9223372036854775809"));
  EXPECT_FALSE(all.matches("10000000000000000000"));
  EXPECT_TRUE(all.matches("0"));
  const Grammar big = Grammar::from_gbnf(
      "root ::= " + grammar::integer_range_gbnf(9000000000000000000, std::nullopt));
  EXPECT_TRUE(big.matches("9000000000000000000"));
  EXPECT_TRUE(big.matches("123456789012345678901234567890"));
  EXPECT_FALSE(big.matches("8999999999999999999"));
}

TEST(JsonSchemaIntegerRange, SchemaKeywords) {
  expect_schema_language(R"({"type": "integer", "minimum": -5, "maximum": 5})", {"-5", "0", "5"},
                         {"-6", "6", "-0", "5.0"});
  expect_schema_language(R"({"type": "integer", "exclusiveMinimum": -5, "exclusiveMaximum": 5})",
                         {"-4", "4"}, {"-5", "5"});
  // Fractional bounds round inward.
  expect_schema_language(R"({"type": "integer", "minimum": 1.5, "maximum": 3.5})", {"2", "3"},
                         {"1", "4"});
  expect_schema_language(R"({"type": "integer", "exclusiveMinimum": 1.5, "exclusiveMaximum": 3.5})",
                         {"2", "3"}, {"1", "4"});
  // The tighter of minimum and exclusiveMinimum wins.
  expect_schema_language(R"({"type": "integer", "minimum": 0, "exclusiveMinimum": 10})", {"11"},
                         {"10", "5"});
  expect_schema_language(R"({"type": "integer", "minimum": 100})", {"100", "100000000000"},
                         {"99", "-100"});
  EXPECT_NE(
      schema_error(R"({"type": "integer", "minimum": 5, "maximum": 4})").find("admits no integer"),
      std::string::npos);
  EXPECT_NE(schema_error(R"({"type": "integer", "minimum": 1e30})")
                .find("'minimum' at the root is out of the 64-bit"),
            std::string::npos);
}

}  // namespace
}  // namespace yak::test
