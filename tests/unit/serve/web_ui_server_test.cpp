// The chat page through a running yak::Server: / and /assets/... answer without the API key
// (the API still needs it), with their types, ETags, 304s and HEADs, exact paths only, and 404
// naming --no-webui when the page is off; /tokenize's messages form counts a conversation
// exactly as a chat completion's usage.prompt_tokens does.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "http_test_client.h"
#include "running_server.h"
#include "serve/web/web_assets.h"
#include "serve/web/web_route.h"

namespace yak::serve::test {
namespace {

constexpr const char* kKey = "Authorization: Bearer sekrit\r\n";

class WebUiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(yak::test::default_model_path())) return;
    ServerOptions options = default_options();
    options.api_key = "sekrit";
    server_ = new RunningServer(options);
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
RunningServer* WebUiServer::server_ = nullptr;

// The response to a HEAD: it has a length but no body.
std::optional<ClientResponse> head(uint16_t port, std::string_view target) {
  TestClient client(port);
  if (!client.send(http_request("HEAD", target))) return std::nullopt;
  return client.read_response(10s, /*keep_interim=*/false, /*head=*/true);
}

TEST_F(WebUiServer, ThePageIsAtTheRootWithItsPolicyAndNeedsNoKey) {
  const auto r = call(port(), "GET", "/");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->header("content-security-policy"), kWebContentSecurityPolicy);
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r->header("referrer-policy"), "no-referrer");
  EXPECT_EQ(r->header("cache-control"), "no-cache");
  EXPECT_FALSE(r->header("etag").empty());
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  // The API behind it still needs the key.
  const auto models = call(port(), "GET", "/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
  const auto keyed = call(port(), "GET", "/v1/models", {}, kKey);
  ASSERT_TRUE(keyed);
  EXPECT_EQ(keyed->status, 200);
}

TEST_F(WebUiServer, EveryVendorAssetIsServedWithItsType) {
  const char* js = "text/javascript; charset=utf-8";
  const char* css = "text/css; charset=utf-8";
  const std::pair<const char*, const char*> assets[] = {
      {"/assets/vendor/marked.min.js", js},
      {"/assets/vendor/highlight.min.js", js},
      {"/assets/vendor/katex.min.js", js},
      {"/assets/vendor/purify.min.js", js},
      {"/assets/vendor/hljs-light.css", css},
      {"/assets/vendor/hljs-dark.css", css},
      {"/assets/vendor/katex.min.css", css},
      {"/assets/vendor/fonts/KaTeX_Main-Regular.woff2", "font/woff2"},
      {"/assets/vendor/fonts/KaTeX_AMS-Regular.woff2", "font/woff2"},
  };
  for (const auto& [path, type] : assets) {
    const auto r = call(port(), "GET", path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->header("content-type"), type) << path;
    EXPECT_GT(r->body.size(), 500u) << path;
    EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size())) << path;
  }
  // woff2 files start with their signature: the bytes arrive unchanged.
  const auto font = call(port(), "GET", "/assets/vendor/fonts/KaTeX_Main-Regular.woff2");
  ASSERT_TRUE(font);
  EXPECT_EQ(font->body.substr(0, 4), "wOF2");
}

TEST_F(WebUiServer, AMatchingEtagIs304AndHeadHasHeadersButNoBody) {
  const auto first = call(port(), "GET", "/assets/vendor/katex.min.js");
  ASSERT_TRUE(first);
  const std::string etag = first->header("etag");
  ASSERT_FALSE(etag.empty());
  const auto again =
      call(port(), "GET", "/assets/vendor/katex.min.js", {}, "If-None-Match: " + etag + "\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->header("etag"), etag);

  const auto h = head(port(), "/");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
  EXPECT_EQ(h->header("content-type"), "text/html; charset=utf-8");
  EXPECT_FALSE(h->header("content-security-policy").empty());
  const auto page = call(port(), "GET", "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(h->header("content-length"), std::to_string(page->body.size()));
  EXPECT_EQ(h->header("etag"), page->header("etag"));
}

TEST_F(WebUiServer, UnknownAndTraversalLookingPathsAre404s) {
  for (const char* path :
       {"/assets/nothing.js", "/assets/", "/assets/../index.html", "/assets/..%2findex.html",
        "/assets/vendor/../../web/index.html", "/assets/vendor/fonts/../../../../../etc/passwd",
        "/assets//vendor/marked.min.js", "/assets/vendor/./marked.min.js", "/index.html",
        "/assets/vendor/katex.js"}) {
    const auto r = call(port(), "GET", path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->header("content-type"), "application/json") << path;
    EXPECT_EQ(json_of(*r)["error"]["type"], "not_found_error") << path;
  }
  // A query is not part of the path: cache-busting URLs still find the file.
  const auto busted = call(port(), "GET", "/assets/vendor/marked.min.js?v=2");
  ASSERT_TRUE(busted);
  EXPECT_EQ(busted->status, 200);
}

TEST_F(WebUiServer, OtherMethodsAre405) {
  const auto r = call(port(), "POST", "/", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
  const auto d = call(port(), "DELETE", "/assets/vendor/marked.min.js");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 405);
}

TEST_F(WebUiServer, TheStartLogNamesThePageAndItsSize) {
  const WebAssetTotals totals = web_asset_totals();
  const std::string expected =
      "yak serve: chat page at http://127.0.0.1:" + std::to_string(port()) + "/ (" +
      std::to_string(totals.count) + " files built in, ";
  bool found = false;
  for (const std::string& line : server_->lines())
    if (line.starts_with(expected) && line.ends_with(" KiB)")) found = true;
  EXPECT_TRUE(found) << "no line starting: " << expected;
}

// What the chat page sends before a message: the conversation's tokens against the context.
TEST_F(WebUiServer, TokenizeWithMessagesCountsWhatAChatCompletionWould) {
  const Json conversations[] = {
      Json::parse(R"({"messages": [{"role": "user", "content": "What is 2+2?"}]})"),
      Json::parse(R"({"messages": [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": "Hi"},
                                   {"role": "assistant", "content": "Hello! How can I help?"},
                                   {"role": "user", "content": [{"type": "text", "text": "Tell"},
                                                                {"type": "text", "text": "me"}]}]})"),
      Json::parse(R"({"messages": [{"role": "user", "content": "Weather in Paris?"}],
                      "tools": [{"type": "function", "function": {"name": "get_weather",
                        "parameters": {"type": "object",
                                       "properties": {"city": {"type": "string"}}}}}]})"),
  };
  for (const Json& conversation : conversations) {
    const auto t = call(port(), "POST", "/tokenize", conversation.dump(), kKey);
    ASSERT_TRUE(t);
    ASSERT_EQ(t->status, 200) << t->body;
    const Json tokens = json_of(*t);
    EXPECT_EQ(tokens["count"], tokens["tokens"].size());
    EXPECT_EQ(tokens["max_model_len"], 512);

    Json chat = conversation;
    chat["max_tokens"] = 1;
    chat["temperature"] = 0;
    const auto c = call(port(), "POST", "/v1/chat/completions", chat.dump(), kKey);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->status, 200) << c->body;
    EXPECT_EQ(json_of(*c)["usage"]["prompt_tokens"], tokens["count"]) << conversation.dump();
  }
  // The tools are in the count: described to SmolLM2 in a system message.
  Json untooled = conversations[2];
  untooled.erase("tools");
  const auto with = call(port(), "POST", "/tokenize", conversations[2].dump(), kKey);
  const auto without = call(port(), "POST", "/tokenize", untooled.dump(), kKey);
  ASSERT_TRUE(with && without);
  EXPECT_GT(json_of(*with)["count"].get<int>(), json_of(*without)["count"].get<int>() + 20);
}

TEST_F(WebUiServer, TokenizeWithoutTheGenerationPromptIsShorter) {
  Json body = Json::parse(R"({"messages": [{"role": "user", "content": "Hi"}]})");
  const auto with = call(port(), "POST", "/tokenize", body.dump(), kKey);
  body["add_generation_prompt"] = false;
  const auto without = call(port(), "POST", "/tokenize", body.dump(), kKey);
  ASSERT_TRUE(with && without);
  ASSERT_EQ(with->status, 200);
  ASSERT_EQ(without->status, 200);
  const Json a = json_of(*with)["tokens"], b = json_of(*without)["tokens"];
  ASSERT_LT(b.size(), a.size());
  EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));  // the same prompt, less its tail
}

TEST_F(WebUiServer, BadMessagesAre400sNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"messages": "hello"})", "messages"},
      {R"({"messages": []})", "messages"},
      {R"({"messages": [{"role": "wizard", "content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content"},
      {R"({"messages": [{"role": "user", "content": "x"}], "prompt": "y"})", "prompt"},
      {R"({"messages": [{"role": "user", "content": "x"}], "add_generation_prompt": 1})",
       "add_generation_prompt"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tools": 3})", "tools"},
      {R"({"messages": [{"role": "user", "content": "x"}], "add_special_tokens": true})",
       "add_special_tokens"},
  };
  for (const auto& [body, param] : cases) {
    const auto r = call(port(), "POST", "/tokenize", body, kKey);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    const Json error = json_of(*r)["error"];
    EXPECT_EQ(error["param"], param) << body << " -> " << r->body;
    EXPECT_NE(error["message"].get<std::string>().find(param), std::string::npos) << r->body;
  }
}

TEST(WebUiOff, ThePagesPathsAre404sNamingTheFlag) {
  YAK_NEED_MODEL();
  ServerOptions options = default_options();
  options.web_ui = false;
  RunningServer server(options);
  ASSERT_TRUE(server.ready());
  for (const char* path : {"/", "/assets/vendor/marked.min.js", "/assets/nothing"}) {
    const auto r = call(server.port(), "GET", path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_NE(json_of(*r)["error"]["message"].get<std::string>().find("--no-webui"),
              std::string::npos)
        << r->body;
  }
  const auto models = call(server.port(), "GET", "/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  bool logged = false;
  for (const std::string& line : server.lines())
    if (line == "yak serve: chat page off (--no-webui)") logged = true;
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace yak::serve::test
