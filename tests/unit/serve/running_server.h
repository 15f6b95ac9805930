// yak::Server with the default model on a free loopback port, for the tests that drive it
// over HTTP, and the small helpers they share. Every wait is bounded.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "serve/openai/json_body.h"
#include "unit/test_paths.h"
#include "yak/server.h"

namespace yak::serve::test {

// A server on a free loopback port, run on its own thread until the fixture ends.
class RunningServer {
 public:
  explicit RunningServer(ServerOptions options) {
    options.port = 0;
    options.parallel = 2;
    options.context_size = 512;
    options.n_threads = 2;
    options.io_threads = 1;
    options.log = [this](std::string_view line) {
      const std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
    server_ = std::make_unique<Server>(std::move(options));
    thread_ = std::thread([this] {
      try {
        server_->run();
      } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(mu_);
        failure_ = e.what();
      }
      returned_ = true;
    });
    ready_ = wait_until(
        [&] {
          if (returned_) return true;
          if (server_->port() == 0) return false;
          TestClient c(server_->port());
          c.send(http_request("GET", "/health"));
          const auto r = c.read_response(2s);
          return r && r->status == 200;
        },
        60s);
  }
  ~RunningServer() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  bool ready() const { return ready_ && !returned_; }
  bool returned() const { return returned_; }
  uint16_t port() const { return server_->port(); }
  std::vector<std::string> lines() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
  bool ready_ = false;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::string failure_;
};

inline ServerOptions default_options() {
  ServerOptions o;
  o.model_path = yak::test::default_model_path();
  return o;
}

#define YAK_NEED_MODEL()                                         \
  if (!std::filesystem::exists(yak::test::default_model_path())) \
  GTEST_SKIP() << "default model missing (scripts/setup.sh)"

inline std::optional<ClientResponse> call(uint16_t port, std::string_view method,
                                          std::string_view target, std::string_view body = {},
                                          std::string_view headers = {},
                                          std::chrono::milliseconds timeout = 30s) {
  TestClient client(port);
  if (!client.send(http_request(method, target, body, headers))) return std::nullopt;
  return client.read_response(timeout);
}

inline Json json_of(const ClientResponse& r) { return Json::parse(r.body); }

}  // namespace yak::serve::test
