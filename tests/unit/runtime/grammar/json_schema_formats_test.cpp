// `format`: date (every day of several years, leap rules included), time, date-time, uuid
// and email.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

Grammar format_grammar(const char* format) {
  return Grammar::from_json_schema(Json{{"type", "string"}, {"format", format}});
}

TEST(JsonSchemaFormats, DateTakesExactlyTheCalendarDays) {
  const Grammar g = format_grammar("date");
  for (int year : {1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999}) {
    for (unsigned month = 0; month <= 13; ++month) {
      for (unsigned day = 0; day <= 32; ++day) {
        const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                               std::chrono::day(day)};
        const std::string text = fmt::format("\"{:04}-{:02}-{:02}\"", year, month, day);
        EXPECT_EQ(g.matches(text), date.ok()) << text;
      }
    }
  }
  for (const char* bad : {"\"0000-01-01\"", "\"2024-1-01\"", "\"24-01-01\"", "\"2024-01-01T\"",
                          "\"2024/01/01\"", "\"12024-01-01\"", "\"2024-01-01 \""}) {
    EXPECT_FALSE(g.matches(bad)) << bad;
  }
}

TEST(JsonSchemaFormats, Time) {
  const Grammar g = format_grammar("time");
  for (const char* good : {"\"00:00:00Z\"", "\"23:59:59Z\"", "\"12:30:00.5+02:00\"",
                           "\"08:15:42.123456789-11:30\"", "\"01:02:03+23:59\""}) {
    EXPECT_TRUE(g.matches(good)) << good;
  }
  for (const char* bad : {"\"24:00:00Z\"", "\"12:60:00Z\"", "\"12:00:60Z\"", "\"12:00:00\"",
                          "\"12:00Z\"", "\"12:00:00z\"", "\"12:00:00.Z\"", "\"12:00:00+2:00\"",
                          "\"12:00:00+24:00\"", "\"12:00:00.1234567890Z\"", "\"1:00:00Z\""}) {
    EXPECT_FALSE(g.matches(bad)) << bad;
  }
}

TEST(JsonSchemaFormats, DateTime) {
  const Grammar g = format_grammar("date-time");
  EXPECT_TRUE(g.matches("\"2024-02-29T23:59:59.5Z\""));
  EXPECT_TRUE(g.matches("\"1999-12-31T00:00:00-05:00\""));
  EXPECT_FALSE(g.matches("\"2023-02-29T00:00:00Z\""));
  EXPECT_FALSE(g.matches("\"2024-01-01 00:00:00Z\""));
  EXPECT_FALSE(g.matches("\"2024-01-01t00:00:00Z\""));
  EXPECT_FALSE(g.matches("\"2024-01-01\""));
}

TEST(JsonSchemaFormats, Uuid) {
  const Grammar g = format_grammar("uuid");
  EXPECT_TRUE(g.matches("\"123e4567-e89b-12d3-a456-426614174000\""));
  EXPECT_TRUE(g.matches("\"ABCDEF01-2345-6789-ABCD-EF0123456789\""));
  EXPECT_FALSE(g.matches("\"123e4567e89b12d3a456426614174000\""));
  EXPECT_FALSE(g.matches("\"123e4567-e89b-12d3-a456-42661417400\""));
  EXPECT_FALSE(g.matches("\"g23e4567-e89b-12d3-a456-426614174000\""));
  EXPECT_FALSE(g.matches("\"{123e4567-e89b-12d3-a456-426614174000}\""));
}

TEST(JsonSchemaFormats, Email) {
  const Grammar g = format_grammar("email");
  for (const char* good : {"\"a@b.co\"", "\"first.last+tag@mail.example.org\"", "\"x_y-z@a-b.c1\"",
                           "\"o'brien@example.com\""}) {
    EXPECT_TRUE(g.matches(good)) << good;
  }
  for (const char* bad :
       {"\"a@b\"", "\"@b.com\"", "\"a@.com\"", "\"a@b..com\"", "\"a..b@c.com\"", "\".a@b.com\"",
        "\"a@-b.com\"", "\"a@b-.com\"", "\"a b@c.com\"", "\"a@b@c.com\"", "\"ab.com\""}) {
    EXPECT_FALSE(g.matches(bad)) << bad;
  }
}

TEST(JsonSchemaFormats, UnknownAndMixedAreErrors) {
  EXPECT_NE(schema_error(R"({"type": "string", "format": "ipv4"})")
                .find("unsupported JSON Schema format 'ipv4' at the root"),
            std::string::npos);
  EXPECT_NE(schema_error(R"({"type": "string", "format": "date", "maxLength": 10})")
                .find("keyword 'maxLength' alongside 'format'"),
            std::string::npos);
}

}  // namespace
}  // namespace yak::test
