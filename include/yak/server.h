// `yak serve`: an OpenAI-compatible HTTP server over one model, many clients at once through
// the continuous-batching scheduler (yak/scheduler.h). docs/server.md lists the routes, the
// limits and the metrics.
//
//   yak::ServerOptions options;
//   options.model_path = "model.gguf";
//   yak::Server server(options);
//   std::thread stopper([&] { wait_for_sigterm(); server.stop(); });
//   server.run();  // listens, loads the model, serves until stop(), then drains
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yak/engine.h"

namespace yak {

// What one request may ask for; more is a 400 (or 413 for the body) naming the limit.
struct ServerLimits {
  uint64_t max_body_bytes = 8u << 20;     // a request body (413 beyond)
  uint64_t max_header_bytes = 16u << 10;  // a request's headers, all together
  int32_t max_json_depth = 64;            // nested arrays and objects in a body
  int32_t max_messages = 1024;            // messages of one chat request
  int32_t max_n = 16;                     // choices of one request (and at most `parallel`)
  int32_t max_prompts = 128;              // prompts of one completions request
  int32_t max_top_logprobs = 20;          // top_logprobs (chat), logprobs (completions)
  int32_t max_stop_strings = 4;
  int32_t max_stop_bytes = 256;  // each stop string
  int32_t max_waiting = 256;     // requests waiting for the engine (429 beyond)
};

enum class LogFormat { kText, kJson };

// How the model writes tool calls (docs/server.md, "Tool calls"): kAuto detects it from the
// chat template; the others force one. kHermes: <tool_call>{...}</tool_call> (Qwen2.5,
// Hermes); kLlama3: {"name", "parameters"} JSON, maybe after <|python_tag|>; kMistral:
// [TOOL_CALLS][...]; kGeneric: Yak's own {"tool_calls": [...]} JSON, described to the model
// in a system message.
enum class ToolCallFormat { kAuto, kHermes, kLlama3, kMistral, kGeneric };

struct ServerOptions {
  std::string model_path;
  Precision precision = Precision::kDefault;
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  uint16_t port = 8080;            // 0: any free port (see Server::port())
  int32_t parallel = 4;            // sequences decoding at once (each choice counts)
  int32_t context_size = 4096;     // most tokens of one request: prompt + completion
  int64_t kv_tokens = 0;           // the KV pool in tokens; else kv_memory_bytes; else
  uint64_t kv_memory_bytes = 0;    // parallel * context_size tokens
  int32_t batch_tokens = 512;      // tokens of one engine step
  int32_t n_threads = 0;           // compute threads (0: one per core), shared by load and engine
  int32_t io_threads = 2;          // threads serving connections
  std::string api_key;             // empty: no key needed; else `Authorization: Bearer KEY`
  std::string alias;               // the model name clients see; empty: the file's name
  std::chrono::milliseconds request_timeout{600'000};  // a request's time limit; 0: none
  std::chrono::milliseconds shutdown_timeout{10'000};  // how long stop() lets requests finish
  std::chrono::milliseconds ping_interval{5'000};      // ": ping" while a stream waits
  std::string cors_origin;                             // empty: no CORS headers; "*" or an origin
  LogFormat log_format = LogFormat::kText;
  ToolCallFormat tool_call_format = ToolCallFormat::kAuto;
  ServerLimits limits;
  // The chat page at / and its files under /assets/ (docs/server.md, "Chat page"); false
  // (--no-webui): those paths answer 404.
  bool web_ui = true;
  // Where log lines go (one per call, without the newline); null: stderr.
  std::function<void(std::string_view line)> log;
};

// One file of the chat page, built into the binary.
struct WebUiAsset {
  std::string path;  // the URL path: "/", "/assets/app.css", "/assets/vendor/katex.min.js", ...
  std::string content_type;
  uint64_t bytes = 0;
};

// Every file the chat page serves, sorted by path (`yak serve --list-web-assets`).
std::vector<WebUiAsset> web_ui_assets();

class Server {
 public:
  // Checks the options (yak::Error naming the bad one); starts nothing.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens (yak::Error when the address cannot be bound), loads the model (meanwhile
  // /health answers 503), serves until stop(), then lets running requests finish for up to
  // shutdown_timeout and ends the rest with a final chunk. Throws yak::Error when the model
  // cannot be loaded.
  void run();
  // From any thread (not from a signal handler): makes run() stop accepting and drain.
  void stop();
  // The port listened on, once run() has bound it; 0 before.
  uint16_t port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace yak
