// Parsing request bodies: depth bound, UTF-8 checks, the shapes refused, all as 400s.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/json_body.h"
#include "unit/serve/api_test_support.h"

namespace yak::serve {
namespace {

using test::api_error_of;

TEST(ApiJsonBody, ParsesAnObjectKeepingKeyOrder) {
  const Json j = parse_json_object(R"({"z": 1, "a": [true, null], "m": "x"})", 8);
  EXPECT_EQ(j.dump(), R"({"z":1,"a":[true,null],"m":"x"})");
}

TEST(ApiJsonBody, DepthAtTheLimitPassesOneMoreFails) {
  // The top-level object is level 1.
  const std::string ok = "{\"a\":" + std::string(3, '[') + std::string(3, ']') + "}";
  EXPECT_NO_THROW(parse_json_object(ok, 4));
  const ApiError e = api_error_of([&] { parse_json_object(ok, 3); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_NE(std::string(e.what()).find("deeper than 3 levels"), std::string::npos) << e.what();
}

TEST(ApiJsonBody, AMillionOpeningBracketsAreRefusedQuickly) {
  const std::string deep = "{\"a\":" + std::string(1'000'000, '[');
  const ApiError e = api_error_of([&] { parse_json_object(deep, 64); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "invalid_json");
}

TEST(ApiJsonBody, InvalidUtf8InAStringIs400WithPrintableMessage) {
  const ApiError e = api_error_of([] { parse_json_object("{\"a\": \"x\xff\xfey\"}", 64); });
  EXPECT_EQ(e.status(), 400);
  const std::string message = e.what();
  EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
  // The client's bad bytes are escaped, so the message itself is valid UTF-8.
  EXPECT_EQ(message.find('\xff'), std::string::npos);
  EXPECT_NO_THROW(Json(message).dump());
}

TEST(ApiJsonBody, UnpairedSurrogateEscapeIs400) {
  EXPECT_EQ(api_error_of([] { parse_json_object(R"({"a": "\ud800"})", 64); }).status(), 400);
}

TEST(ApiJsonBody, OverflowingNumberIs400) {
  EXPECT_EQ(api_error_of([] { parse_json_object(R"({"a": 1e400})", 64); }).status(), 400);
}

TEST(ApiJsonBody, EmptyGarbageAndNonObjectsAre400) {
  for (const char* text :
       {"", "  \n", "{", "{\"a\":1} x", "nope", "[1,2]", "\"s\"", "42", "null"}) {
    const ApiError e = api_error_of([&] { parse_json_object(text, 64); });
    EXPECT_EQ(e.status(), 400) << text;
    EXPECT_EQ(e.type(), "invalid_request_error") << text;
  }
  EXPECT_NE(std::string(api_error_of([] { parse_json_object("[1]", 64); }).what())
                .find("must be a JSON object, not array"),
            std::string::npos);
}

TEST(ApiJsonBody, DumpNeverThrowsOnInvalidUtf8) {
  Json j = Json::object();
  j["text"] = std::string("a\xffz");
  EXPECT_EQ(dump_json(j), "{\"text\":\"a\xEF\xBF\xBDz\"}");
}

}  // namespace
}  // namespace yak::serve
