// yak::Server with the default model, driven over loopback HTTP: the routes' statuses and
// shapes, auth, streaming, the tokenizer routes as lm-evaluation-harness uses them, the log
// line, and a stop() that ends a running stream with a final chunk. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "http_test_client.h"
#include "running_server.h"
#include "serve/openai/json_body.h"
#include "unit/test_paths.h"
#include "yak/server.h"

namespace yak::serve::test {
namespace {

// The data lines of an SSE body, without "data: ".
std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

// Waits until the scheduler runs `n` requests, as /metrics reports.
bool wait_running(uint16_t port, int n) {
  const std::string line = "yak:num_requests_running{model_name=\"SmolLM2-135M-Instruct.Q4_1\"} " +
                           std::to_string(n) + "\n";
  return wait_until(
      [&] {
        const auto m = call(port, "GET", "/metrics");
        return m && m->body.find(line) != std::string::npos;
      },
      20s);
}

class ApiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::exists(yak::test::default_model_path()))
      server_ = new RunningServer(default_options());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    YAK_NEED_MODEL();
    ASSERT_TRUE(server_->ready()) << "the server did not come up";
  }
  static uint16_t port() { return server_->port(); }
  static RunningServer* server_;
};
RunningServer* ApiServer::server_ = nullptr;

TEST_F(ApiServer, HealthAndModels) {
  auto r = call(port(), "GET", "/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = call(port(), "GET", "/v1/models");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const Json j = json_of(*r);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "SmolLM2-135M-Instruct.Q4_1");
  EXPECT_EQ(j["data"][0]["object"], "model");
}

TEST_F(ApiServer, UnknownPathsAndWrongMethods) {
  auto r = call(port(), "GET", "/v2/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json_of(*r)["error"]["type"], "not_found_error");
  r = call(port(), "GET", "/v1/chat/completions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "POST");
  r = call(port(), "POST", "/health", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST_F(ApiServer, BadRequestsAre400sNamingTheField) {
  auto r = call(port(), "POST", "/v1/chat/completions",
                R"({"messages": [{"role": "user", "content": "x"}], "n": "two"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(*r)["error"]["param"], "n");
  r = call(port(), "POST", "/v1/completions", "{\"prompt\": \"\xff\"}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = call(port(), "POST", "/v1/completions", R"({"prompt": "x", "max_tokens": 100000})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(*r)["error"]["param"], "max_tokens");
  // Too long for the context with its max_tokens: the engine's refusal, a 400 with the numbers.
  std::string long_prompt = R"({"prompt": ")";
  for (int i = 0; i < 600; ++i) long_prompt += "word ";
  long_prompt += R"(", "max_tokens": 8})";
  r = call(port(), "POST", "/v1/completions", long_prompt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(*r)["error"]["message"].get<std::string>().find("context"), std::string::npos);
}

TEST_F(ApiServer, ChatCompletionWhole) {
  const auto r = call(port(), "POST", "/v1/chat/completions",
                      R"({"model": "x", "messages": [{"role": "user", "content": "Say hi"}],
                          "max_tokens": 6, "temperature": 0, "logprobs": true, "top_logprobs": 2})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->header("content-type"), "application/json");
  const Json j = json_of(*r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_FALSE(j["choices"][0]["message"]["content"].get<std::string>().empty());
  const Json& content = j["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), j["usage"]["completion_tokens"].get<size_t>());
  EXPECT_EQ(content[0]["top_logprobs"].size(), 2u);
  // Greedy: the chosen token is the most likely one.
  EXPECT_EQ(content[0]["token"], content[0]["top_logprobs"][0]["token"]);
  EXPECT_EQ(j["usage"]["total_tokens"],
            j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
}

TEST_F(ApiServer, ChatCompletionStreamed) {
  const auto r = call(port(), "POST", "/v1/chat/completions",
                      R"({"messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 6,
                          "temperature": 0, "stream": true,
                          "stream_options": {"include_usage": true}})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/event-stream");
  const std::vector<std::string> data = sse_data(r->body);
  ASSERT_GE(data.size(), 4u);
  EXPECT_EQ(data.back(), "[DONE]");
  const Json first = Json::parse(data[0]);
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  const Json usage = Json::parse(data[data.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 6);
  const Json finish = Json::parse(data[data.size() - 3]);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  // The same greedy request, whole, says the same.
  const auto whole = call(port(), "POST", "/v1/chat/completions",
                          R"({"messages": [{"role": "user", "content": "Say hi"}],
                              "max_tokens": 6, "temperature": 0})");
  ASSERT_TRUE(whole);
  std::string streamed;
  for (size_t i = 1; i + 2 < data.size(); ++i) {
    const Json chunk = Json::parse(data[i]);
    if (chunk["choices"][0]["delta"].contains("content"))
      streamed += chunk["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(streamed, json_of(*whole)["choices"][0]["message"]["content"]);
}

TEST_F(ApiServer, EchoLogprobsForScoringAsLmEvalAsks) {
  // lm-evaluation-harness's local-completions: token-id prompts, echo, logprobs 1, max_tokens 1.
  auto t = call(port(), "POST", "/tokenize",
                R"({"prompt": "The cat sat", "add_special_tokens": false})");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->status, 200);
  const Json ids = json_of(*t)["tokens"];
  ASSERT_EQ(json_of(*t)["count"], ids.size());
  Json body = {{"model", "m"},     {"prompt", Json::array({ids, ids})},
               {"temperature", 0}, {"max_tokens", 1},
               {"logprobs", 1},    {"echo", true},
               {"seed", 1234}};
  const auto r = call(port(), "POST", "/v1/completions", body.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json j = json_of(*r);
  ASSERT_EQ(j["choices"].size(), 2u);
  for (size_t c = 0; c < 2; ++c) {
    const Json& lp = j["choices"][c]["logprobs"];
    EXPECT_EQ(j["choices"][c]["index"], c);
    ASSERT_EQ(lp["token_logprobs"].size(), ids.size() + 1);  // the prompt, then one generated
    EXPECT_TRUE(lp["token_logprobs"][0].is_null());
    EXPECT_TRUE(lp["top_logprobs"][0].is_null());
    for (size_t i = 1; i < lp["token_logprobs"].size(); ++i) {
      EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0.0);
      EXPECT_FALSE(lp["top_logprobs"][i].empty());
    }
    EXPECT_EQ(j["choices"][c]["text"].get<std::string>().rfind("The cat sat", 0), 0u);
  }
  EXPECT_EQ(j["choices"][0]["logprobs"], j["choices"][1]["logprobs"]);
}

TEST_F(ApiServer, TokenizerRoutesAsTheRemoteTokenizerUsesThem) {
  auto r = call(port(), "GET", "/tokenizer_info");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const Json info = json_of(*r);
  ASSERT_TRUE(info.contains("eos_token"));
  ASSERT_TRUE(info["eos_token"].is_string());
  // eos_token_id = encode(eos_token)[0]: the control token's text gives its id.
  const Json encode = {{"prompt", info["eos_token"]}, {"add_special_tokens", false}};
  r = call(port(), "POST", "/tokenize", encode.dump());
  ASSERT_TRUE(r);
  const Json tokens = json_of(*r)["tokens"];
  ASSERT_EQ(tokens.size(), 1u);
  const Json decode = {{"tokens", tokens}};
  r = call(port(), "POST", "/detokenize", decode.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(json_of(*r)["prompt"], info["eos_token"]);
  r = call(port(), "POST", "/detokenize", R"({"tokens": [1, "x"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(*r)["error"]["param"], "tokens[1]");
}

TEST_F(ApiServer, MetricsHaveVllmNames) {
  const auto r = call(port(), "GET", "/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  for (const char* name :
       {"yak:num_requests_running", "yak:num_requests_waiting", "yak:kv_cache_usage_perc",
        "yak:prefix_cache_queries_total", "yak:prefix_cache_hits_total", "yak:prompt_tokens_total",
        "yak:generation_tokens_total", "yak:request_success_total",
        "yak:time_to_first_token_seconds_bucket", "yak:inter_token_latency_seconds_bucket",
        "yak:e2e_request_latency_seconds_bucket", "yak:request_queue_time_seconds_bucket"})
    EXPECT_NE(r->body.find(name), std::string::npos) << name;
}

TEST_F(ApiServer, OneLogLinePerCompletion) {
  const auto r = call(port(), "POST", "/v1/completions", R"({"prompt": "Hi", "max_tokens": 2})");
  ASSERT_TRUE(r);
  const std::string id = json_of(*r)["id"];
  ASSERT_TRUE(wait_until(
      [&] {
        for (const std::string& line : server_->lines())
          if (line.find(id) != std::string::npos) return true;
        return false;
      },
      5s));
  for (const std::string& line : server_->lines()) {
    if (line.find(id) == std::string::npos) continue;
    EXPECT_NE(line.find("prompt="), std::string::npos) << line;
    EXPECT_NE(line.find("generated=2"), std::string::npos) << line;
    EXPECT_NE(line.find("finish=length"), std::string::npos) << line;
  }
}

TEST(ApiServerAuth, KeyIsNeededEverywhereButHealth) {
  YAK_NEED_MODEL();
  ServerOptions options = default_options();
  options.api_key = "sekrit";
  RunningServer server(options);
  ASSERT_TRUE(server.ready());
  auto r = call(server.port(), "GET", "/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = call(server.port(), "GET", "/v1/models");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json_of(*r)["error"]["type"], "authentication_error");
  r = call(server.port(), "GET", "/v1/models", {}, "Authorization: Bearer wrong\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = call(server.port(), "GET", "/metrics", {}, "Authorization: Bearer sekri\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = call(server.port(), "GET", "/v1/models", {}, "Authorization: Bearer sekrit\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ApiServerShutdown, StopEndsARunningStreamWithAFinalChunk) {
  YAK_NEED_MODEL();
  ServerOptions options = default_options();
  options.shutdown_timeout = std::chrono::milliseconds(300);
  RunningServer server(options);
  ASSERT_TRUE(server.ready());
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request(
      "POST", "/v1/completions",
      R"({"prompt": "Count:", "max_tokens": 400, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}})")));
  // Stopped once the request runs (before, it would be refused with a 503).
  ASSERT_TRUE(wait_running(server.port(), 1));
  std::this_thread::sleep_for(100ms);
  const auto stopped_at = Clock::now();
  server.stop();
  EXPECT_LT(Clock::now() - stopped_at, 5s);
  const auto r = client.read_response(5s);
  ASSERT_TRUE(r);
  const std::vector<std::string> data = sse_data(r->body);
  ASSERT_GE(data.size(), 3u);
  EXPECT_EQ(data.back(), "[DONE]");
  const Json last_piece = Json::parse(data[data.size() - 3]);
  EXPECT_EQ(last_piece["choices"][0]["finish_reason"], "length");
  const Json usage = Json::parse(data[data.size() - 2]);
  EXPECT_LT(usage["usage"]["completion_tokens"].get<int>(), 400);
}

TEST(ApiServerStream, PingsWhileAStreamWaits) {
  YAK_NEED_MODEL();
  ServerOptions options = default_options();
  options.ping_interval = std::chrono::milliseconds(100);
  RunningServer server(options);
  ASSERT_TRUE(server.ready());
  // Two long requests hold both sequences; a third waits for one, pinged meanwhile.
  std::vector<std::unique_ptr<TestClient>> busy;
  for (int i = 0; i < 2; ++i) {
    busy.push_back(std::make_unique<TestClient>(server.port()));
    ASSERT_TRUE(busy.back()->send(http_request(
        "POST", "/v1/completions", R"({"prompt": "Count:", "max_tokens": 300, "ignore_eos": true, "stream": true})")));
  }
  ASSERT_TRUE(wait_running(server.port(), 2));
  TestClient waiting(server.port());
  ASSERT_TRUE(waiting.send(http_request("POST", "/v1/completions",
                                        R"({"prompt": "Hi", "max_tokens": 2, "stream": true})")));
  // Gone clients free their sequences at the next step.
  std::this_thread::sleep_for(600ms);
  for (auto& c : busy) c->close(true);
  const auto r = waiting.read_response(20s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find(": ping\n\n"), std::string::npos);
  EXPECT_EQ(sse_data(r->body).back(), "[DONE]");
  ASSERT_TRUE(wait_until(
      [&] {
        int cancelled = 0;
        for (const std::string& line : server.lines())
          cancelled += line.find("finish=cancelled") != std::string::npos;
        return cancelled == 2;
      },
      5s));
}

}  // namespace
}  // namespace yak::serve::test
