// The small pieces routes build on: SSE framing, the OpenAI error body, constant-time key
// comparison, CORS, and the response framing checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/http/constant_time.h"
#include "serve/http/cors.h"
#include "serve/http/error_body.h"
#include "serve/http/http_wire.h"
#include "serve/http/sse.h"
#include "yak/error.h"

namespace yak::serve {
namespace {

TEST(HttpHelpers, SseFramesEventsAndComments) {
  EXPECT_EQ(sse_event("{\"a\":1}"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(sse_event("[DONE]"), "data: [DONE]\n\n");
  EXPECT_EQ(sse_event("one\ntwo\r\nthree\rfour"),
            "data: one\ndata: two\ndata: three\ndata: four\n\n");
  EXPECT_EQ(sse_event(""), "data: \n\n");
  EXPECT_EQ(sse_comment("ping"), ": ping\n\n");
  EXPECT_EQ(sse_comment("a\nb"), ": a\n: b\n\n");
  const auto headers = sse_headers();
  ASSERT_FALSE(headers.empty());
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"content-type", "text/event-stream"}));
}

TEST(HttpHelpers, ErrorBodyHasTheOpenAiShape) {
  const auto body = nlohmann::json::parse(error_body("bad 'n'", "invalid_request_error", "n"));
  EXPECT_EQ(body, nlohmann::json::parse(R"({"error": {"message": "bad 'n'",
      "type": "invalid_request_error", "param": "n", "code": null}})"));
  const auto plain = nlohmann::json::parse(error_body("gone", "server_error"));
  EXPECT_TRUE(plain["error"]["param"].is_null());
  EXPECT_TRUE(plain["error"]["code"].is_null());
  // Client text that is not UTF-8 does not make the error itself fail.
  EXPECT_NO_THROW(nlohmann::json::parse(error_body("bad \xff\xfe", "invalid_request_error")));
  EXPECT_EQ(error_json("m", "t", std::nullopt, "c")["error"]["code"], "c");

  EXPECT_EQ(error_type_for_status(400), "invalid_request_error");
  EXPECT_EQ(error_type_for_status(413), "invalid_request_error");
  EXPECT_EQ(error_type_for_status(401), "authentication_error");
  EXPECT_EQ(error_type_for_status(404), "not_found_error");
  EXPECT_EQ(error_type_for_status(429), "rate_limit_error");
  EXPECT_EQ(error_type_for_status(503), "unavailable_error");
  EXPECT_EQ(error_type_for_status(500), "server_error");
}

TEST(HttpHelpers, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("sk-secret", "sk-secret"));
  EXPECT_FALSE(constant_time_equals("sk-secret", "sk-secreT"));
  EXPECT_FALSE(constant_time_equals("sk-secret", "sk-secret2"));
  EXPECT_FALSE(constant_time_equals("sk-secret", "sk-secre"));
  EXPECT_FALSE(constant_time_equals("", "x"));
  EXPECT_FALSE(constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(constant_time_equals(std::string("ab\0", 3), "ab"));  // not a prefix match
}

HttpRequest request_from(std::string method, HttpHeaders headers) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = "/v1/models";
  request.headers = std::move(headers);
  return request;
}

// Records what a route sends.
class RecordingWriter : public ResponseWriter {
 public:
  void send(int status, HttpHeaders headers, std::string body) override {
    this->status = status;
    this->headers = std::move(headers);
    this->body = std::move(body);
  }
  void start_stream(int, HttpHeaders) override {}
  void write(std::string) override {}
  void end() override {}
  bool closed() const override { return false; }
  void on_close(std::function<void()>) override {}

  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return {};
  }

  int status = 0;
  HttpHeaders headers;
  std::string body;
};

TEST(HttpHelpers, CorsIsOffUnlessConfigured) {
  const CorsPolicy off;
  EXPECT_FALSE(off.enabled());
  const auto request = request_from("GET", {{"origin", "https://app.example"}});
  EXPECT_TRUE(off.response_headers(request).empty());
  EXPECT_FALSE(off.is_preflight(request_from(
      "OPTIONS", {{"origin", "https://a.example"}, {"access-control-request-method", "POST"}})));
  EXPECT_FALSE(CorsPolicy("").enabled());
}

TEST(HttpHelpers, CorsAllowsConfiguredOriginsOnly) {
  const CorsPolicy policy("https://app.example, http://localhost:3000/");
  EXPECT_TRUE(policy.enabled());
  const auto allowed =
      policy.response_headers(request_from("GET", {{"origin", "http://localhost:3000"}}));
  ASSERT_EQ(allowed.size(), 2u);
  EXPECT_EQ(allowed[0].second, "http://localhost:3000");
  EXPECT_EQ(allowed[1], (std::pair<std::string, std::string>{"vary", "Origin"}));
  EXPECT_TRUE(
      policy.response_headers(request_from("GET", {{"origin", "https://evil.example"}})).empty());
  EXPECT_TRUE(policy.response_headers(request_from("GET", {})).empty());

  const auto preflight = request_from(
      "OPTIONS", {{"origin", "https://app.example"},
                  {"access-control-request-method", "POST"},
                  {"access-control-request-headers", "authorization, x-stainless-os"}});
  ASSERT_TRUE(policy.is_preflight(preflight));
  RecordingWriter writer;
  policy.answer_preflight(preflight, writer);
  EXPECT_EQ(writer.status, 204);
  EXPECT_EQ(writer.header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(writer.header("access-control-allow-methods"), "GET, POST, OPTIONS");
  EXPECT_EQ(writer.header("access-control-allow-headers"), "authorization, x-stainless-os");

  // Requested headers that are not a plain list are not echoed into the response head.
  auto odd = preflight;
  odd.headers[2].second = "x\"<script>";
  RecordingWriter odd_writer;
  policy.answer_preflight(odd, odd_writer);
  EXPECT_EQ(odd_writer.header("access-control-allow-headers"), "authorization, content-type");

  auto foreign = preflight;
  foreign.headers[0].second = "https://evil.example";
  RecordingWriter refused;
  policy.answer_preflight(foreign, refused);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.header("access-control-allow-origin"), "");
  EXPECT_FALSE(policy.is_preflight(request_from("OPTIONS", {{"origin", "https://app.example"}})));
}

TEST(HttpHelpers, CorsAnyOriginAndBadConfiguration) {
  const CorsPolicy any("*");
  const auto headers =
      any.response_headers(request_from("POST", {{"origin", "https://x.example"}}));
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].second, "*");
  EXPECT_THROW(CorsPolicy("app.example"), Error);
  EXPECT_THROW(CorsPolicy("https://app.example/path"), Error);
  EXPECT_THROW(CorsPolicy("https://a.example,,"), Error);
}

TEST(HttpHelpers, SplitTargetAndResponseFraming) {
  using wire::split_target;
  EXPECT_EQ(split_target("/v1/models"), (std::pair<std::string, std::string>{"/v1/models", ""}));
  EXPECT_EQ(split_target("/a?b=1&c"), (std::pair<std::string, std::string>{"/a", "b=1&c"}));
  EXPECT_EQ(split_target("http://h:8080/a?q"), (std::pair<std::string, std::string>{"/a", "q"}));
  EXPECT_EQ(split_target("http://h"), (std::pair<std::string, std::string>{"/", ""}));
  EXPECT_EQ(split_target("http://h?q"), (std::pair<std::string, std::string>{"/", "q"}));
  EXPECT_EQ(split_target("*"), (std::pair<std::string, std::string>{"*", ""}));
  EXPECT_EQ(split_target("/x?y://z"), (std::pair<std::string, std::string>{"/x", "y://z"}));

  EXPECT_EQ(wire::chunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(wire::chunk(std::string(255, 'a')).substr(0, 4), "ff\r\n");
  EXPECT_EQ(wire::chunk(""), "");
  const auto head = wire::response_head(
      200, {{"content-type", "text/plain"}, {"Content-Length", "999"}, {"connection", "x"}},
      wire::Framing::content_length, 5, wire::Persistence::close);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_NO_THROW(wire::check_headers({{"x-ok", "tab\tis fine"}}));
  EXPECT_THROW(wire::check_headers({{"x", "a\nb"}}), Error);
  EXPECT_THROW(wire::check_headers({{"", "v"}}), Error);
  EXPECT_THROW(wire::check_headers({{"a:b", "v"}}), Error);
}

}  // namespace
}  // namespace yak::serve
