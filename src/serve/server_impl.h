// Inside yak::Server: the HTTP server, the engine (once the model has loaded) and the routes
// between them. server.cpp holds the life cycle, server_routes.cpp the dispatch and the small
// routes, completion_routes.cpp the two completion routes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "serve/http/cors.h"
#include "serve/http/http_exchange.h"
#include "serve/http/http_server.h"
#include "serve/keep_alive.h"
#include "serve/openai/api_error.h"
#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"
#include "serve/openai/response_builder.h"
#include "serve/openai/response_common.h"
#include "serve/openai/tool_request.h"
#include "serve/request_log.h"
#include "serve/server_metrics.h"
#include "yak/chat_template.h"
#include "yak/engine.h"
#include "yak/scheduler.h"
#include "yak/server.h"

namespace yak {

// What the routes need once the model is loaded; fixed from then on.
struct ServeState {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Scheduler> scheduler;
  std::optional<ChatTemplate> chat_template;  // none: the model has none (or it did not parse)
  std::string chat_template_source;
  std::string chat_template_problem;    // why chat completions are refused, when they are
  bool template_renders_tools = false;  // serve::template_renders_tools
  ToolCallFormat tool_format = ToolCallFormat::kGeneric;  // how the model writes tool calls
  serve::RequestBounds bounds;
  std::string fingerprint;
};

// The prompt of a conversation exactly as /v1/chat/completions makes it (completion_routes.cpp):
// the tools handed to the template or described by Yak as the model's format wants. Throws
// ApiError 400 when the model has no usable chat template or it refuses the messages.
std::vector<int32_t> chat_prompt(const ServeState& state, const serve::Json& messages,
                                 const serve::ToolRequest& tools,
                                 bool add_generation_prompt = true);

// A completion request made ready for the scheduler: its prompts and its answer's builder.
struct PreparedCompletion {
  std::unique_ptr<serve::ResponseBuilder> builder;
  std::vector<CompletionRequest> requests;
};

struct Server::Impl {
  explicit Impl(ServerOptions options);

  // server.cpp
  void run();
  void stop();
  void load();
  void drain();
  void log_line(std::string_view line) const;
  void log_request(const serve::RequestRecord& record) const;
  void log_web_ui() const;  // the chat page's URL and size, or that it is off

  // server_routes.cpp
  void handle(const serve::HttpRequest& request, std::shared_ptr<serve::ResponseWriter> writer);
  bool authorized(const serve::HttpRequest& request) const;
  void health(const serve::HttpRequest& request, serve::ResponseWriter& writer);
  void metrics(const serve::HttpRequest& request, serve::ResponseWriter& writer);
  void models(const serve::HttpRequest& request, serve::ResponseWriter& writer,
              const ServeState& state);
  void tokenize(const serve::HttpRequest& request, serve::ResponseWriter& writer,
                const ServeState& state);
  void detokenize(const serve::HttpRequest& request, serve::ResponseWriter& writer,
                  const ServeState& state);
  void tokenizer_info(const serve::HttpRequest& request, serve::ResponseWriter& writer,
                      const ServeState& state);
  void send_json(serve::ResponseWriter& writer, const serve::HttpRequest& request, int status,
                 const std::string& body) const;
  void send_api_error(serve::ResponseWriter& writer, const serve::HttpRequest& request,
                      const serve::ApiError& error, serve::HttpHeaders extra = {}) const;
  std::shared_ptr<ServeState> ready_state() const;  // null while loading

  // completion_routes.cpp
  void chat_completions(const serve::HttpRequest& request,
                        std::shared_ptr<serve::ResponseWriter> writer, const ServeState& state);
  void completions(const serve::HttpRequest& request, std::shared_ptr<serve::ResponseWriter> writer,
                   const ServeState& state);
  std::string new_id(std::string_view prefix);
  // What makes a route's request ready for the scheduler (parsing, prompts, the builder).
  using PrepareCompletion = PreparedCompletion (*)(const serve::Json& body, const ServeState& state,
                                                   const serve::ResponseMeta& meta,
                                                   std::chrono::steady_clock::time_point deadline);
  void serve_completion(const serve::HttpRequest& request,
                        std::shared_ptr<serve::ResponseWriter> writer, const ServeState& state,
                        std::string_view id_prefix, const PrepareCompletion& prepare);

  ServerOptions options;
  std::string model_name;
  serve::CorsPolicy cors;
  std::unique_ptr<serve::ServerMetrics> server_metrics;
  std::unique_ptr<serve::KeepAlive> keep_alive;
  std::unique_ptr<serve::HttpServer> http;
  std::atomic<uint16_t> port{0};
  int64_t started_unix = 0;

  mutable std::mutex mu;  // state, stopping, ids
  std::condition_variable stop_requested;
  std::shared_ptr<ServeState> state;
  bool stopping = false;
  std::mt19937_64 id_random;
};

}  // namespace yak
