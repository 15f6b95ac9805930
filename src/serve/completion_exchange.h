// One completion request between its client and the scheduler: submits its prompts, turns the
// engine's updates into the response (whole, or SSE chunks as they come), cancels the work when
// the client goes away, pings a stream that has been quiet, and when it ends leaves one log line
// and its metrics.
//
// Threads: created and started on an I/O thread; updates arrive on the engine thread; the
// client's disconnect on an I/O thread; pings on the keep-alive thread. One mutex orders them.
// Once every prompt has sent its last update (also when cancelled: the scheduler always sends
// one), the exchange lets go of its request handles, which breaks the reference cycle
// exchange -> handle -> callback -> exchange.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "serve/http/http_exchange.h"
#include "serve/openai/response_builder.h"
#include "serve/request_log.h"
#include "yak/scheduler.h"

namespace yak::serve {

class ServerMetrics;

class CompletionExchange : public std::enable_shared_from_this<CompletionExchange> {
 public:
  struct Setup {
    std::shared_ptr<ResponseWriter> writer;
    std::unique_ptr<ResponseBuilder> builder;
    std::vector<CompletionRequest> requests;  // one per prompt
    HttpHeaders headers;                      // added to the response (CORS)
    RequestRecord record;                     // id, method, path, stream filled in
    std::chrono::steady_clock::time_point started;
    ServerMetrics* metrics = nullptr;
    std::function<void(const RequestRecord&)> log;
  };

  explicit CompletionExchange(Setup setup);

  // Submits every prompt; on success the response is under way (a stream's head is sent).
  // Throws what Scheduler::submit throws (nothing submitted stays running then), for the
  // route to answer with an error.
  void start(Scheduler& scheduler);

  // Writes ": ping" when streaming and nothing was written for `quiet`. False once the
  // exchange has ended (the keep-alive thread forgets it).
  bool ping_if_quiet(std::chrono::steady_clock::time_point now, std::chrono::milliseconds quiet);

 private:
  void on_update(size_t prompt, const RequestUpdate& update);
  void on_client_gone();
  void fail(const std::string& message);  // an engine error
  void complete();                        // every prompt is done
  void finish_record(const std::string& finish, int status);
  void write_chunks(const std::vector<Json>& chunks);
  void cancel_all();

  std::mutex mu_;
  Setup s_;
  std::vector<std::shared_ptr<RequestHandle>> handles_;
  size_t prompts_done_ = 0;
  bool ended_ = false;  // the response is complete (or abandoned)
  bool client_gone_ = false;
  bool first_token_seen_ = false;
  std::chrono::steady_clock::time_point last_write_;
  std::chrono::steady_clock::time_point last_tokens_;
  std::string finish_;  // the first choice's finish reason, for the log and metrics
};

}  // namespace yak::serve
