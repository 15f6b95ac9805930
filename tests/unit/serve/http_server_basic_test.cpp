// The HTTP server with a real client over loopback: requests reach the route as they were
// sent, answers come back on kept-alive connections and in order, and a route may answer
// later from any thread.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "http_test_client.h"
#include "serve/http/error_body.h"
#include "yak/error.h"

namespace yak::serve::test {
namespace {

// Answers with what it received: "METHOD path?query|x-test header|body".
void echo(const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
  writer->send(200, {{"content-type", "text/plain"}},
               request.method + " " + request.path + "?" + request.query + "|" +
                   std::string(request.header("x-test")) + "|" + request.body);
}

TEST(HttpServerBasic, AnswersGetAndPost) {
  TestServer server(echo);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/hello?x=1&y=%20", {}, "X-Test: Abc\r\n")));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /hello?x=1&y=%20|Abc|");
  EXPECT_EQ(response->header("content-type"), "text/plain");
  EXPECT_EQ(response->header("content-length"), std::to_string(response->body.size()));

  ASSERT_TRUE(client.send(http_request("POST", "/v1/chat/completions", "{\"a\": 1}")));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /v1/chat/completions?||{\"a\": 1}");
}

TEST(HttpServerBasic, GivesTheRouteLowerCaseHeaderNamesAndTheRemoteAddress) {
  std::mutex mutex;
  HttpRequest seen;
  TestServer server([&](const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
    {
      std::lock_guard lock(mutex);
      seen = request;
    }
    writer->send(204, {}, {});
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: a\r\nX-Mixed-CASE: Value Kept\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.header("x-mixed-case"), "Value Kept");
  EXPECT_EQ(seen.header("host"), "a");
  EXPECT_EQ(seen.header("X-Mixed-CASE"), "");  // lookups take lower-case names
  EXPECT_EQ(seen.remote.rfind("127.0.0.1:", 0), 0u) << seen.remote;
}

TEST(HttpServerBasic, KeepsTheConnectionAliveAcrossRequests) {
  TestServer server([](const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
    writer->send(200, {}, request.remote);
  });
  TestClient client(server.port());
  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send(http_request("GET", "/")));
    const auto response = client.read_response();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("connection"), "");
    if (i == 0) first_remote = response->body;
    EXPECT_EQ(response->body, first_remote) << "a new connection for request " << i;
  }
  EXPECT_EQ(server.server.connections(), 1u);
}

TEST(HttpServerBasic, AnswersPipelinedRequestsInOrder) {
  ThreadGroup threads;
  TestServer server([&](const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
    if (request.path == "/slow") {
      threads.spawn([writer] {
        std::this_thread::sleep_for(100ms);
        writer->send(200, {}, "slow");
      });
    } else {
      writer->send(200, {}, request.path.substr(1));
    }
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/slow") + http_request("GET", "/a") +
                          http_request("POST", "/b", "body")));
  for (const char* expected : {"slow", "a", "b"}) {
    const auto response = client.read_response();
    ASSERT_TRUE(response) << expected;
    EXPECT_EQ(response->body, expected);
  }
}

TEST(HttpServerBasic, RouteMayAnswerLaterFromAnotherThread) {
  ThreadGroup threads;
  TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    threads.spawn([writer] {
      std::this_thread::sleep_for(50ms);
      writer->send(200, {}, "later");
    });
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "later");
}

TEST(HttpServerBasic, HeadResponsesHaveALengthButNoBody) {
  TestServer server([](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    writer->send(200, {}, "hello");
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("HEAD", "/")));
  auto response = client.read_response(5s, false, /*head=*/true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("content-length"), "5");
  // Had the body been sent, it would now be read as the next response's start.
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST(HttpServerBasic, ClosesWhenTheClientAsksOrSpeaksHttp10) {
  TestServer server(echo);
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send(http_request("GET", "/", {}, "Connection: close\r\n")));
    const auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.wait_closed(2s));
  }
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
    const auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "GET /old?||");
    EXPECT_TRUE(client.wait_closed(2s));
  }
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->header("connection"), "keep-alive");
    ASSERT_TRUE(client.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "GET /b?||");
  }
}

TEST(HttpServerBasic, ExpectContinueGetsAnInterimAnswerBeforeTheBody) {
  TestServer server(echo);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(
      "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto response = client.read_response(5s, /*keep_interim=*/true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 100);
  ASSERT_TRUE(client.send("data"));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "POST /up?||data");
}

TEST(HttpServerBasic, OddMethodsAndAbsoluteTargetsReachTheRoute) {
  TestServer server(echo);
  TestClient client(server.port());
  ASSERT_TRUE(client.send("BREW http://example.com/pot?sugar=1 HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "BREW /pot?sugar=1||");
  ASSERT_TRUE(client.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "OPTIONS *?||");
}

void expect_error_body(const ClientResponse& response, int status) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.header("content-type"), "application/json");
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << response.body;
  ASSERT_TRUE(body.contains("error")) << response.body;
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_EQ(body["error"]["type"], std::string(error_type_for_status(status)));
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_TRUE(body["error"]["code"].is_null());
}

TEST(HttpServerBasic, RouteThatThrowsOrGivesNoAnswerYields500AndTheServerGoesOn) {
  TestServer server([](const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
    if (request.path == "/throw") throw Error("the route broke");
    if (request.path == "/drop") return;  // the writer goes away unanswered
    writer->send(200, {}, "fine");
  });
  TestClient client(server.port());
  for (const char* target : {"/throw", "/drop"}) {
    ASSERT_TRUE(client.send(http_request("GET", target)));
    const auto response = client.read_response();
    ASSERT_TRUE(response) << target;
    expect_error_body(*response, 500);
  }
  EXPECT_FALSE(client.read_response(100ms)) << "an answer nobody asked for";
  TestClient other(server.port());
  ASSERT_TRUE(other.send(http_request("GET", "/")));
  const auto response = other.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "fine");
}

TEST(HttpServerBasic, MisusingTheWriterThrowsNamingTheMistake) {
  std::mutex mutex;
  std::vector<std::string> errors;
  TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    auto record = [&](auto&& call) {
      try {
        call();
      } catch (const Error& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    };
    record([&] { writer->write("x"); });
    record([&] { writer->end(); });
    record([&] { writer->send(200, {{"x-bad", "a\r\nInjected: yes"}}, "x"); });
    record([&] { writer->send(200, {{"bad name", "v"}}, "x"); });
    record([&] { writer->send(99, {}, "x"); });
    writer->send(200, {}, "ok");
    record([&] { writer->send(200, {}, "again"); });
    record([&] { writer->start_stream(200, {}); });
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->header("injected"), "");
  std::lock_guard lock(mutex);
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_NE(errors[0].find("write before start_stream"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("end before start_stream"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("control character"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("not an HTTP token"), std::string::npos) << errors[3];
  EXPECT_NE(errors[4].find("status 99"), std::string::npos) << errors[4];
  EXPECT_NE(errors[5].find("send after the response had begun"), std::string::npos) << errors[5];
  EXPECT_NE(errors[6].find("start_stream after"), std::string::npos) << errors[6];
}

TEST(HttpServerBasic, StartNamesTheAddressItCannotListenOn) {
  TestServer first(echo);
  HttpServer second({.host = "127.0.0.1", .port = first.port()}, echo);
  try {
    second.start();
    FAIL() << "a second server listened on a taken port";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
  HttpServer third({.host = "not an address!", .port = 0}, echo);
  EXPECT_THROW(third.start(), Error);
  EXPECT_THROW(HttpServer({.io_threads = 0}, echo), Error);
  EXPECT_THROW(HttpServer({}, HttpHandler{}), Error);
}

TEST(HttpServerBasic, ManyClientsAtOnceAllGetTheirOwnAnswers) {
  TestServer server(echo);
  constexpr int kClients = 16;
  constexpr int kRequests = 25;
  std::atomic<int> correct{0};
  {
    ThreadGroup clients;
    for (int c = 0; c < kClients; ++c) {
      clients.spawn([&, c] {
        TestClient client(server.port());
        for (int r = 0; r < kRequests; ++r) {
          const std::string body = fmt::format("client {} request {}", c, r);
          if (!client.send(http_request("POST", "/e", body))) return;
          const auto response = client.read_response();
          if (response && response->body == "POST /e?||" + body) correct++;
        }
      });
    }
  }
  EXPECT_EQ(correct.load(), kClients * kRequests);
}

TEST(HttpServerBasic, WritersHeldPastStopAreInertAndTheirOnCloseRan) {
  std::mutex mutex;
  std::shared_ptr<ResponseWriter> held;
  std::atomic<bool> on_close_ran{false};
  auto server =
      std::make_unique<TestServer>([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
        writer->on_close([&] { on_close_ran = true; });
        std::lock_guard lock(mutex);
        held = std::move(writer);
      });
  TestClient client(server->port());
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return held != nullptr;
      },
      2s));
  EXPECT_EQ(server->server.responses_in_progress(), 1u);
  server.reset();  // destroys the server while the route still holds the writer
  EXPECT_TRUE(on_close_ran);
  EXPECT_TRUE(held->closed());
  held->start_stream(200, {});  // all no-ops now
  held->write("x");
  held->end();
  held.reset();
  EXPECT_TRUE(client.wait_closed(1s));
}

}  // namespace
}  // namespace yak::serve::test
