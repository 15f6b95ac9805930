// The request log line, in text and JSON.
#include <gtest/gtest.h>

#include "serve/openai/json_body.h"
#include "serve/request_log.h"

namespace yak::serve {
namespace {

RequestRecord completion() {
  RequestRecord r;
  r.id = "cmpl-1";
  r.method = "POST";
  r.path = "/v1/completions";
  r.status = 200;
  r.stream = true;
  r.prompt_tokens = 52;
  r.cached_tokens = 32;
  r.generated_tokens = 11;
  r.queue_seconds = 0.002;
  r.ttft_seconds = 0.05;
  r.total_seconds = 0.25;
  r.finish = "stop";
  return r;
}

const auto kNoon = std::chrono::system_clock::time_point(std::chrono::seconds(1796126400)) +
                   std::chrono::milliseconds(123);

TEST(ApiRequestLog, TextLine) {
  EXPECT_EQ(format_request_log(completion(), LogFormat::kText, kNoon),
            "yak serve: cmpl-1 POST /v1/completions 200 stream prompt=52 cached=32 generated=11 "
            "queue=0.002s ttft=0.050s decode=50.0tok/s total=0.250s finish=stop");
}

TEST(ApiRequestLog, JsonLine) {
  const Json j = Json::parse(format_request_log(completion(), LogFormat::kJson, kNoon));
  EXPECT_EQ(j["time"], "2026-12-01T12:00:00.123Z");
  EXPECT_EQ(j["id"], "cmpl-1");
  EXPECT_EQ(j["prompt_tokens"], 52);
  EXPECT_EQ(j["cached_tokens"], 32);
  EXPECT_EQ(j["generated_tokens"], 11);
  EXPECT_DOUBLE_EQ(j["decode_tokens_per_s"].get<double>(), 50.0);
  EXPECT_EQ(j["finish"], "stop");
  EXPECT_FALSE(j.contains("error"));
}

TEST(ApiRequestLog, ErrorsAndOtherRoutesStayOnOneLine) {
  RequestRecord r;
  r.method = "GET";
  r.path = "/x\ny\x1b[2J";
  r.status = 404;
  r.error = "no \"route\"\n";
  const std::string line = format_request_log(r, LogFormat::kText, kNoon);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line, "yak serve: GET /x\\ny\\x1b[2J 404 error=\"no \\\"route\\\"\\n\"");
  const Json j = Json::parse(format_request_log(r, LogFormat::kJson, kNoon));
  EXPECT_FALSE(j.contains("prompt_tokens"));
  EXPECT_EQ(j["error"], "no \"route\"\n");
}

TEST(ApiRequestLog, DecodeSpeedNeedsTwoTokens) {
  RequestRecord r = completion();
  r.generated_tokens = 1;
  EXPECT_EQ(decode_tokens_per_second(r), 0.0);
  r.generated_tokens = 3;
  r.total_seconds = r.ttft_seconds;
  EXPECT_EQ(decode_tokens_per_second(r), 0.0);
}

}  // namespace
}  // namespace yak::serve
