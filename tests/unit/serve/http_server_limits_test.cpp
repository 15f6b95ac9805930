// What hostile or broken clients get: error answers with OpenAI error bodies for requests
// over the limits or malformed, cut connections for the slow and the idle, and through all
// of it other clients are served promptly.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <random>

#include "http_test_client.h"
#include "serve/http/error_body.h"

namespace yak::serve::test {
namespace {

void ok(const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
  writer->send(200, {}, "ok " + std::to_string(request.body.size()));
}

void expect_error_body(const ClientResponse& response, int status) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.header("content-type"), "application/json");
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.contains("error")) << response.body;
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_EQ(body["error"]["type"], std::string(error_type_for_status(status)));
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_TRUE(body["error"]["code"].is_null());
}

// The server still answers a plain GET on a new connection, quickly.
void expect_still_serving(std::uint16_t port) {
  const auto latency = timed_get(port, "/");
  ASSERT_TRUE(latency) << "the server stopped answering";
  EXPECT_LT(*latency, 500ms);
}

TEST(HttpServerLimits, BodyOverTheLimitGets413WithoutWaitingForIt) {
  HttpLimits limits;
  limits.max_body_bytes = 1024;
  TestServer server(ok, limits);
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send(http_request("POST", "/", std::string(1024, 'a'))));
    const auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "ok 1024");
  }
  {  // announced by Content-Length: refused before the body is sent
    TestClient client(server.port());
    ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n"));
    const auto response = client.read_response(2s);
    ASSERT_TRUE(response);
    expect_error_body(*response, 413);
    EXPECT_NE(
        nlohmann::json::parse(response->body)["error"]["message"].get<std::string>().find("1024"),
        std::string::npos);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.wait_closed(3s));
  }
  {  // chunked: found out while reading
    TestClient client(server.port());
    std::string request = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'b') + "\r\n";
    ASSERT_TRUE(client.send(request + "0\r\n\r\n"));
    const auto response = client.read_response(2s);
    ASSERT_TRUE(response);
    expect_error_body(*response, 413);
  }
  expect_still_serving(server.port());
}

TEST(HttpServerLimits, HeadOverTheLimitGets431) {
  TestServer server(ok);  // the default limit: 16 KiB
  TestClient client(server.port());
  ASSERT_TRUE(
      client.send(http_request("GET", "/", {}, "X-Big: " + std::string(20000, 'h') + "\r\n")));
  const auto response = client.read_response(2s);
  ASSERT_TRUE(response);
  expect_error_body(*response, 431);
  EXPECT_TRUE(client.wait_closed(3s));
  TestClient near_limit(server.port());
  ASSERT_TRUE(
      near_limit.send(http_request("GET", "/", {}, "X-Big: " + std::string(15000, 'h') + "\r\n")));
  const auto accepted = near_limit.read_response(2s);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
}

TEST(HttpServerLimits, MalformedRequestsGet400AndTheConnectionCloses) {
  TestServer server(ok);
  const std::vector<std::string> malformed = {
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET / HTTP/2.5x\r\n\r\n",
      "GET /\x01 HTTP/1.1\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 a TLS hello\r\n\r\n",
  };
  for (const auto& bytes : malformed) {
    SCOPED_TRACE(
        nlohmann::json(bytes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    TestClient client(server.port());
    ASSERT_TRUE(client.send(bytes));
    const auto response = client.read_response(2s);
    ASSERT_TRUE(response);
    expect_error_body(*response, 400);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.wait_closed(3s));
  }
  expect_still_serving(server.port());
}

TEST(HttpServerLimits, GarbageBytesNeverStopTheServer) {
  TestServer server(ok);
  std::mt19937 random(1234);
  int answered_400 = 0;
  constexpr int kTries = 40;
  for (int i = 0; i < kTries; ++i) {
    std::string garbage(1 + random() % 20000, '\0');
    for (auto& c : garbage) c = static_cast<char>(random());
    TestClient client(server.port());
    client.send(garbage);  // the server may close before it has all
    const auto response = client.read_response(2s);
    if (response) {
      EXPECT_TRUE(response->status == 400 || response->status == 431) << response->status;
      answered_400 += response->status == 400;
    }
    EXPECT_TRUE(client.wait_closed(3s)) << "try " << i;
  }
  EXPECT_GT(answered_400, kTries / 2);
  expect_still_serving(server.port());
}

TEST(HttpServerLimits, SlowSendersAreCutOffByTheHeaderTimeoutWhileOthersAreServed) {
  HttpLimits limits;
  limits.header_timeout = 1000ms;
  TestServer server(ok, limits);
  constexpr int kSlowClients = 20;
  std::atomic<int> cut_off_in_time{0};
  std::atomic<int> slow_clients_sending{0};
  std::vector<std::chrono::milliseconds> latencies;
  {
    ThreadGroup slow;
    for (int i = 0; i < kSlowClients; ++i) {
      slow.spawn([&] {
        TestClient client(server.port());
        const auto start = Clock::now();
        client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
        slow_clients_sending++;
        while (Clock::now() - start < 5s) {  // a byte every 100 ms
          if (!client.send("a") || client.wait_closed(100ms)) {
            const auto lasted = Clock::now() - start;
            if (lasted >= 900ms && lasted < 2500ms) cut_off_in_time++;
            return;
          }
        }
      });
    }
    ASSERT_TRUE(wait_until([&] { return slow_clients_sending == kSlowClients; }, 2s));
    for (int i = 0; i < 20; ++i) {
      const auto latency = timed_get(server.port(), "/");
      ASSERT_TRUE(latency) << "a normal request failed during the slow senders";
      latencies.push_back(*latency);
      std::this_thread::sleep_for(30ms);
    }
  }
  EXPECT_EQ(cut_off_in_time.load(), kSlowClients);
  const auto worst = *std::max_element(latencies.begin(), latencies.end());
  EXPECT_LT(worst, 250ms) << "a normal request waited behind the slow senders";
  RecordProperty("worst_latency_ms_during_slowloris", static_cast<int>(worst.count()));
}

TEST(HttpServerLimits, FiveHundredIdleConnectionsDoNotStarveOthers) {
  constexpr int kIdle = 500;
  // Each idle connection costs two descriptors here (client and server ends).
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  const rlim_t needed = 2 * kIdle + 200;
  if (files.rlim_cur < needed) {
    if (files.rlim_max < needed) {
      GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << files.rlim_max << " is below the " << needed
                   << " descriptors this test needs";
    }
    files.rlim_cur = needed;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  }
  TestServer server(ok);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < kIdle; ++i) idle.push_back(std::make_unique<TestClient>(server.port()));
  ASSERT_TRUE(wait_until([&] { return server.server.connections() >= kIdle; }, 5s))
      << server.server.connections() << " of " << kIdle << " connections accepted";
  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 20; ++i) {
    const auto latency = timed_get(server.port(), "/");
    ASSERT_TRUE(latency);
    worst = std::max(worst, *latency);
  }
  EXPECT_LT(worst, 250ms);
  RecordProperty("worst_latency_ms_with_500_idle", static_cast<int>(worst.count()));
}

TEST(HttpServerLimits, ConnectionsOverTheLimitGet503) {
  HttpLimits limits;
  limits.max_connections = 8;
  TestServer server(ok, limits);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<TestClient>(server.port()));
  ASSERT_TRUE(wait_until([&] { return server.server.connections() == 8; }, 2s));
  {
    TestClient extra(server.port());
    extra.send(http_request("GET", "/"));
    const auto response = extra.read_response(2s);
    ASSERT_TRUE(response) << "the extra connection was closed without an answer";
    expect_error_body(*response, 503);
    EXPECT_EQ(response->header("retry-after"), "1");
    EXPECT_TRUE(extra.wait_closed(2s));
  }
  held.pop_back();
  ASSERT_TRUE(wait_until([&] { return server.server.connections() == 7; }, 2s));
  expect_still_serving(server.port());
}

TEST(HttpServerLimits, IdleAndBodyTimeoutsCloseTheConnection) {
  HttpLimits limits;
  limits.idle_timeout = 300ms;
  limits.body_timeout = 300ms;
  TestServer server(ok, limits);
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send(http_request("GET", "/")));
    ASSERT_TRUE(client.read_response());
    const auto start = Clock::now();
    EXPECT_TRUE(client.wait_closed(2s));
    EXPECT_GE(Clock::now() - start, 250ms);
  }
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly ten.."));
    EXPECT_TRUE(client.wait_closed(2s));
  }
  expect_still_serving(server.port());
}

}  // namespace
}  // namespace yak::serve::test
