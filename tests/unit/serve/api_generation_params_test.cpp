// The sampling and streaming fields chat and completions share: defaults, every field read,
// and each wrong type or range refused with a 400 naming the field.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai/generation_params.h"
#include "unit/serve/api_test_support.h"
#include "yak/sampler.h"

namespace yak::serve {
namespace {

using test::api_error_of;
using test::body;

RequestBounds bounds() { return test::bounds_of(1024, 4, 1000); }

GenerationParams parse(const char* text) {
  return parse_generation_params(body(text), bounds(), -1, 1);
}

// The field a refusal names, and that its message names it too.
std::string refused_param(const char* text) {
  const ApiError e = api_error_of([&] { parse(text); });
  EXPECT_EQ(e.status(), 400) << text;
  EXPECT_NE(std::string(e.what()).find(e.param()), std::string::npos) << e.what();
  return e.param();
}

TEST(ApiGenerationParams, DefaultsAreOpenAIs) {
  const GenerationParams p = parse("{}");
  const SamplingParams& s = p.options.sampling;
  EXPECT_EQ(s.temperature, 1.0f);
  EXPECT_EQ(s.top_p, 1.0f);
  EXPECT_EQ(s.top_k, 0);
  EXPECT_EQ(s.min_p, 0.0f);
  EXPECT_EQ(s.repeat_penalty, 1.0f);
  EXPECT_EQ(s.frequency_penalty, 0.0f);
  EXPECT_EQ(s.presence_penalty, 0.0f);
  EXPECT_EQ(s.seed, kRandomSeed);
  EXPECT_TRUE(s.logit_bias.empty());
  EXPECT_TRUE(p.options.stop.empty());
  EXPECT_EQ(p.options.max_new_tokens, -1);
  EXPECT_EQ(p.options.top_logprobs, -1);
  EXPECT_EQ(p.n, 1);
  EXPECT_FALSE(p.stream);
  EXPECT_FALSE(p.include_usage);
}

TEST(ApiGenerationParams, ReadsEveryField) {
  const GenerationParams p = parse(R"({
    "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1,
    "repeat_last_n": 32, "frequency_penalty": 0.5, "presence_penalty": -0.5, "seed": 42,
    "logit_bias": {"17": 100, "3": -100.0}, "stop": ["\n", "END"], "max_tokens": 99, "n": 3,
    "stream": true, "stream_options": {"include_usage": true}, "ignore_eos": true})");
  const SamplingParams& s = p.options.sampling;
  EXPECT_FALSE(p.options.stop_at_end_of_generation);
  EXPECT_FLOAT_EQ(s.temperature, 0.5f);
  EXPECT_FLOAT_EQ(s.top_p, 0.9f);
  EXPECT_EQ(s.top_k, 40);
  EXPECT_FLOAT_EQ(s.min_p, 0.05f);
  EXPECT_FLOAT_EQ(s.repeat_penalty, 1.1f);
  EXPECT_EQ(s.repeat_last_n, 32);
  EXPECT_FLOAT_EQ(s.frequency_penalty, 0.5f);
  EXPECT_FLOAT_EQ(s.presence_penalty, -0.5f);
  EXPECT_EQ(s.seed, 42u);
  ASSERT_EQ(s.logit_bias.size(), 2u);
  EXPECT_EQ(s.logit_bias[0], (std::pair<int32_t, float>{17, 100.0f}));
  EXPECT_EQ(s.logit_bias[1], (std::pair<int32_t, float>{3, -100.0f}));
  EXPECT_EQ(p.options.stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_EQ(p.options.max_new_tokens, 99);
  EXPECT_EQ(p.n, 3);
  EXPECT_TRUE(p.stream);
  EXPECT_TRUE(p.include_usage);
}

TEST(ApiGenerationParams, NullMeansDefault) {
  const GenerationParams p =
      parse(R"({"temperature": null, "stop": null, "n": null, "seed": null, "logit_bias": null})");
  EXPECT_EQ(p.options.sampling.temperature, 1.0f);
  EXPECT_EQ(p.n, 1);
  EXPECT_EQ(p.options.sampling.seed, kRandomSeed);
}

TEST(ApiGenerationParams, StopAsOneString) {
  EXPECT_EQ(parse(R"({"stop": "###"})").options.stop, std::vector<std::string>{"###"});
}

TEST(ApiGenerationParams, MaxCompletionTokensWinsOverMaxTokens) {
  EXPECT_EQ(parse(R"({"max_completion_tokens": 7})").options.max_new_tokens, 7);
  EXPECT_EQ(parse(R"({"max_tokens": 5, "max_completion_tokens": 7})").options.max_new_tokens, 7);
}

TEST(ApiGenerationParams, IntegersMayBeWrittenAsWholeFloats) {
  EXPECT_EQ(parse(R"({"n": 2.0})").n, 2);
  EXPECT_EQ(refused_param(R"({"n": 2.5})"), "n");
}

TEST(ApiGenerationParams, SeedMinusOneIsRandom) {
  EXPECT_EQ(parse(R"({"seed": -1})").options.sampling.seed, kRandomSeed);
  EXPECT_EQ(refused_param(R"({"seed": -2})"), "seed");
}

TEST(ApiGenerationParams, TopKMinusOneIsOff) {
  EXPECT_EQ(parse(R"({"top_k": -1})").options.sampling.top_k, 0);
}

TEST(ApiGenerationParams, WrongTypesNameTheField) {
  EXPECT_EQ(refused_param(R"({"temperature": "hot"})"), "temperature");
  EXPECT_EQ(refused_param(R"({"top_p": true})"), "top_p");
  EXPECT_EQ(refused_param(R"({"top_k": 1.5})"), "top_k");
  EXPECT_EQ(refused_param(R"({"min_p": []})"), "min_p");
  EXPECT_EQ(refused_param(R"({"repeat_penalty": {}})"), "repeat_penalty");
  EXPECT_EQ(refused_param(R"({"frequency_penalty": "1"})"), "frequency_penalty");
  EXPECT_EQ(refused_param(R"({"presence_penalty": false})"), "presence_penalty");
  EXPECT_EQ(refused_param(R"({"seed": "42"})"), "seed");
  EXPECT_EQ(refused_param(R"({"max_tokens": "10"})"), "max_tokens");
  EXPECT_EQ(refused_param(R"({"max_completion_tokens": true})"), "max_completion_tokens");
  EXPECT_EQ(refused_param(R"({"n": "2"})"), "n");
  EXPECT_EQ(refused_param(R"({"stream": "yes"})"), "stream");
  EXPECT_EQ(refused_param(R"({"stream": 1})"), "stream");
  EXPECT_EQ(refused_param(R"({"stop": 5})"), "stop");
  EXPECT_EQ(refused_param(R"({"stop": ["a", 5]})"), "stop[1]");
  EXPECT_EQ(refused_param(R"({"logit_bias": [1, 2]})"), "logit_bias");
  EXPECT_EQ(refused_param(R"({"logit_bias": {"5": "x"}})"), "logit_bias");
  EXPECT_EQ(refused_param(R"({"stream": true, "stream_options": true})"), "stream_options");
  EXPECT_EQ(refused_param(R"({"stream": true, "stream_options": {"include_usage": "y"}})"),
            "stream_options.include_usage");
}

TEST(ApiGenerationParams, OutOfRangeValuesNameTheField) {
  EXPECT_EQ(refused_param(R"({"temperature": 2.5})"), "temperature");
  EXPECT_EQ(refused_param(R"({"temperature": -0.1})"), "temperature");
  EXPECT_EQ(refused_param(R"({"top_p": 1.5})"), "top_p");
  EXPECT_EQ(refused_param(R"({"top_k": -2})"), "top_k");
  EXPECT_EQ(refused_param(R"({"min_p": 2})"), "min_p");
  EXPECT_EQ(refused_param(R"({"repeat_penalty": 0})"), "repeat_penalty");
  EXPECT_EQ(refused_param(R"({"repeat_last_n": -5})"), "repeat_last_n");
  EXPECT_EQ(refused_param(R"({"frequency_penalty": 3})"), "frequency_penalty");
  EXPECT_EQ(refused_param(R"({"ignore_eos": 1})"), "ignore_eos");
  EXPECT_EQ(refused_param(R"({"presence_penalty": -2.5})"), "presence_penalty");
  EXPECT_EQ(refused_param(R"({"max_tokens": 0})"), "max_tokens");     // chat: at least 1
  EXPECT_EQ(refused_param(R"({"max_tokens": 1025})"), "max_tokens");  // over the context
  EXPECT_EQ(refused_param(R"({"max_tokens": -1})"), "max_tokens");
  EXPECT_EQ(refused_param(R"({"n": 0})"), "n");
  EXPECT_EQ(refused_param(R"({"n": 5})"), "n");  // over the parallel sequences
  EXPECT_EQ(refused_param(R"({"seed": 1e30})"), "seed");
  EXPECT_EQ(refused_param(R"({"logit_bias": {"1000": 1}})"), "logit_bias");  // vocabulary
  EXPECT_EQ(refused_param(R"({"logit_bias": {"-1": 1}})"), "logit_bias");
  EXPECT_EQ(refused_param(R"({"logit_bias": {"abc": 1}})"), "logit_bias");
  EXPECT_EQ(refused_param(R"({"logit_bias": {"5": 101}})"), "logit_bias");
  EXPECT_EQ(refused_param(R"({"stop": ["a", "b", "c", "d", "e"]})"), "stop");
  EXPECT_EQ(refused_param(R"({"stop": [""]})"), "stop[0]");
  EXPECT_EQ(refused_param(R"({"stop": ""})"), "stop");
}

TEST(ApiGenerationParams, StopStringLengthIsBounded) {
  const std::string ok = R"({"stop": ")" + std::string(256, 'x') + R"("})";
  EXPECT_EQ(parse(ok.c_str()).options.stop[0].size(), 256u);
  const std::string long_stop = R"({"stop": ")" + std::string(257, 'x') + R"("})";
  EXPECT_EQ(refused_param(long_stop.c_str()), "stop");
}

TEST(ApiGenerationParams, NIsBoundedByTheLimitAsWellAsParallel) {
  RequestBounds b = bounds();
  b.parallel = 64;
  b.limits.max_n = 16;
  EXPECT_EQ(parse_generation_params(body(R"({"n": 16})"), b, -1, 1).n, 16);
  EXPECT_EQ(api_error_of([&] { parse_generation_params(body(R"({"n": 17})"), b, -1, 1); }).param(),
            "n");
}

TEST(ApiGenerationParams, StreamOptionsNeedStream) {
  EXPECT_EQ(refused_param(R"({"stream_options": {"include_usage": true}})"), "stream_options");
  EXPECT_EQ(refused_param(R"({"stream": false, "stream_options": {}})"), "stream_options");
  EXPECT_FALSE(parse(R"({"stream": true, "stream_options": {}})").include_usage);
}

TEST(ApiGenerationParams, UnsupportedFieldsAreRefusedNotIgnored) {
  const auto refused = [](const char* text) {
    const ApiError e = api_error_of([&] { reject_unsupported_fields(body(text)); });
    EXPECT_EQ(e.status(), 400) << text;
    EXPECT_EQ(e.code(), "unsupported_parameter") << text;
    EXPECT_NE(std::string(e.what()).find("not supported yet"), std::string::npos) << e.what();
    return e.param();
  };
  EXPECT_EQ(refused(R"({"audio": {"voice": "alloy"}})"), "audio");
  EXPECT_EQ(refused(R"({"modalities": ["text", "audio"]})"), "modalities");
  // Their empty forms ask for nothing.
  EXPECT_NO_THROW(reject_unsupported_fields(body(
      R"({"response_format": {"type": "text"}, "tools": [], "tool_choice": "none",
          "functions": [], "function_call": "none", "modalities": ["text"], "audio": null})")));
}

TEST(ApiGenerationParams, ModelAndUserMustBeStrings) {
  EXPECT_NO_THROW(check_informational_fields(body(R"({"model": "any", "user": "u1"})")));
  EXPECT_EQ(api_error_of([] { check_informational_fields(body(R"({"model": 5})")); }).param(),
            "model");
  EXPECT_EQ(api_error_of([] { check_informational_fields(body(R"({"user": {}})")); }).param(),
            "user");
}

}  // namespace
}  // namespace yak::serve
