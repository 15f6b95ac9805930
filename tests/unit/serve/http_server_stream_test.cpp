// Streamed (chunked) responses: pieces arrive in order and as they are written, a client
// that goes away is noticed (mid-stream and before the first byte), one that does not read
// is cut off at the queue cap, and stop_accepting lets running streams finish.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "http_test_client.h"
#include "serve/http/sse.h"

namespace yak::serve::test {
namespace {

// What a route saw of its client going away.
struct CloseProbe {
  std::atomic<bool> on_close_ran{false};
  std::atomic<bool> producer_saw_closed{false};
  std::atomic<int> pieces_written{0};
  Clock::time_point on_close_time;
  std::mutex mutex;

  void arm(ResponseWriter& writer) {
    writer.on_close([this] {
      std::lock_guard lock(mutex);
      on_close_time = Clock::now();
      on_close_ran = true;
    });
  }
};

TEST(HttpServerStream, ChunksArriveInOrderAndAsTheyAreWritten) {
  ThreadGroup threads;
  TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    writer->start_stream(200, sse_headers());
    threads.spawn([writer] {
      for (int i = 0; i < 20; ++i) {
        writer->write(sse_event("{\"i\":" + std::to_string(i) + "}"));
        std::this_thread::sleep_for(15ms);
      }
      writer->end();
    });
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("POST", "/v1/chat/completions", "{}")));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->chunked);
  EXPECT_EQ(response->header("content-type"), "text/event-stream");
  ASSERT_EQ(response->chunks.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(response->chunks[i], "data: {\"i\":" + std::to_string(i) + "}\n\n");
  }
  // Sent as written, not gathered up to the end: the first came well before the last.
  EXPECT_GE(response->chunk_times.back() - response->chunk_times.front(), 200ms);
  // The connection goes on after a stream.
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->chunks.size(), 20u);
}

TEST(HttpServerStream, EmptyPiecesDoNotEndTheStream) {
  TestServer server([](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    writer->start_stream(200, {});
    writer->write("a");
    writer->write("");
    writer->write("b");
    writer->end();
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "ab");
}

TEST(HttpServerStream, Http10StreamsEndWithTheConnection) {
  TestServer server([](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    writer->start_stream(200, {});
    writer->write("one ");
    writer->write("two");
    writer->end();
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.0\r\n\r\n"));
  const auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->chunked);
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_EQ(response->body, "one two");
}

TEST(HttpServerStream, ClientLeavingMidStreamRunsOnCloseAndStopsTheProducer) {
  ThreadGroup threads;
  CloseProbe probe;
  TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    probe.arm(*writer);
    writer->start_stream(200, {});
    threads.spawn([&, writer] {
      const auto give_up = Clock::now() + 10s;
      while (!writer->closed() && Clock::now() < give_up) {
        writer->write("token ");
        probe.pieces_written++;
        std::this_thread::sleep_for(10ms);
      }
      probe.producer_saw_closed = writer->closed();
    });
  });
  TestClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/")));
  ASSERT_TRUE(wait_until([&] { return probe.pieces_written >= 5; }, 2s));
  const auto left = Clock::now();
  client.close();
  ASSERT_TRUE(wait_until([&] { return probe.on_close_ran && probe.producer_saw_closed; }, 2s));
  std::lock_guard lock(probe.mutex);
  EXPECT_LT(probe.on_close_time - left, 1s);
  EXPECT_TRUE(wait_until([&] { return server.server.responses_in_progress() == 0; }, 1s));
}

TEST(HttpServerStream, ClientLeavingBeforeAnyByteIsNoticedWithinASecond) {
  for (const bool reset : {false, true}) {
    SCOPED_TRACE(reset ? "reset" : "orderly close");
    std::mutex mutex;
    std::shared_ptr<ResponseWriter> held;  // the route "prefills": holds the writer, sends nothing
    CloseProbe probe;
    TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
      probe.arm(*writer);
      std::lock_guard lock(mutex);
      held = std::move(writer);
    });
    TestClient client(server.port());
    ASSERT_TRUE(client.send(http_request("POST", "/v1/completions", "{\"prompt\": \"long\"}")));
    ASSERT_TRUE(wait_until(
        [&] {
          std::lock_guard lock(mutex);
          return held != nullptr;
        },
        2s));
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(held->closed());
    const auto left = Clock::now();
    client.close(reset);
    ASSERT_TRUE(wait_until([&] { return probe.on_close_ran.load(); }, 2s));
    {
      std::lock_guard lock(probe.mutex);
      EXPECT_LT(probe.on_close_time - left, 1s);
    }
    EXPECT_TRUE(held->closed());
    // A callback registered after the client has gone runs at once.
    bool late_ran = false;
    held->on_close([&] { late_ran = true; });
    EXPECT_TRUE(late_ran);
    held->send(200, {}, "nobody is listening");  // harmless
    EXPECT_TRUE(wait_until([&] { return server.server.connections() == 0; }, 1s));
  }
}

TEST(HttpServerStream, ClientThatDoesNotReadIsCutOffAtTheQueueCap) {
  HttpLimits limits;
  limits.max_queued_bytes = 1024 * 1024;
  ThreadGroup threads;
  CloseProbe probe;
  // 64 KiB a millisecond: a pace a reading client on loopback keeps up with.
  const std::string piece(64 * 1024, 'x');
  constexpr int kReaderPieces = 256;  // 16 MiB, past the cap many times over
  constexpr int kFloodPieces = 4096;  // 256 MiB: what an unbounded queue would have taken
  TestServer server(
      [&](const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
        if (request.path == "/ping") {
          writer->send(200, {}, "pong");
          return;
        }
        const bool flood = request.path == "/flood";
        if (flood) probe.arm(*writer);
        writer->start_stream(200, {});
        threads.spawn([&, writer, flood] {
          const int pieces = flood ? kFloodPieces : kReaderPieces;
          int written = 0;
          for (; written < pieces && !writer->closed(); ++written) {
            writer->write(piece);
            std::this_thread::sleep_for(1ms);
          }
          writer->end();
          if (flood) {
            probe.pieces_written = written;
            probe.producer_saw_closed = writer->closed();
          }
        });
      },
      limits);

  TestClient reader(server.port());
  ASSERT_TRUE(reader.send(http_request("GET", "/read")));
  const auto response = reader.read_response(20s);
  ASSERT_TRUE(response) << "a client that reads was cut off";
  EXPECT_EQ(response->body.size(), kReaderPieces * piece.size());

  TestClient sleeper(server.port(), /*receive_buffer=*/4096);
  ASSERT_TRUE(sleeper.send(http_request("GET", "/flood")));
  ASSERT_TRUE(wait_until([&] { return probe.producer_saw_closed && probe.on_close_ran; }, 20s))
      << "the connection of a client that does not read stayed open";
  // What was taken: the cap plus what the kernel's socket buffers hold, far from the flood.
  EXPECT_LT(probe.pieces_written, kFloodPieces / 4);
  RecordProperty("pieces_taken_from_non_reader", probe.pieces_written.load());
  const auto latency = timed_get(server.port(), "/ping");
  ASSERT_TRUE(latency);
  EXPECT_LT(*latency, 500ms);
}

TEST(HttpServerStream, StopAcceptingLetsRunningStreamsFinish) {
  ThreadGroup threads;
  std::atomic<bool> first_piece_sent{false};
  TestServer server([&](const HttpRequest&, std::shared_ptr<ResponseWriter> writer) {
    writer->start_stream(200, {});
    threads.spawn([&, writer] {
      for (int i = 0; i < 10; ++i) {
        writer->write(std::to_string(i));
        first_piece_sent = true;
        std::this_thread::sleep_for(30ms);
      }
      writer->end();
    });
  });
  TestClient streaming(server.port());
  TestClient idle(server.port());
  ASSERT_TRUE(streaming.send(http_request("GET", "/")));
  ASSERT_TRUE(wait_until([&] { return first_piece_sent.load(); }, 2s));
  server.server.stop_accepting();
  EXPECT_THROW(TestClient refused(server.port()), std::runtime_error);
  EXPECT_TRUE(idle.wait_closed(1s)) << "an idle keep-alive connection stayed open";
  const auto response = streaming.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "0123456789");
  EXPECT_TRUE(streaming.wait_closed(2s));
  EXPECT_TRUE(wait_until([&] { return server.server.connections() == 0; }, 1s));
}

}  // namespace
}  // namespace yak::serve::test
