// Dispatch: CORS preflights, the chat page's files (no key needed: the page asks for it), 404
// for unknown paths, 405 for a known path's wrong method, 401 without the API key (every API
// route but /health), 503 while the model loads; then the small routes: health, metrics,
// models and the tokenizer's.
#include <fmt/format.h>

#include <array>
#include <optional>
#include <string_view>

#include "serve/http/constant_time.h"
#include "serve/http/error_body.h"
#include "serve/metrics/metrics_registry.h"
#include "serve/openai/json_body.h"
#include "serve/routes/models_route.h"
#include "serve/routes/tokenizer_routes.h"
#include "serve/server_impl.h"
#include "serve/web/web_route.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using serve::ApiError;
using serve::HttpHeaders;
using serve::HttpRequest;
using serve::ResponseWriter;

enum class Route {
  kHealth,
  kMetrics,
  kModels,
  kChat,
  kCompletions,
  kTokenize,
  kDetokenize,
  kTokenizerInfo
};

struct RouteEntry {
  std::string_view path;
  std::string_view method;
  Route route;
};

constexpr std::array<RouteEntry, 8> kRoutes = {{
    {"/health", "GET", Route::kHealth},
    {"/metrics", "GET", Route::kMetrics},
    {"/v1/models", "GET", Route::kModels},
    {"/v1/chat/completions", "POST", Route::kChat},
    {"/v1/completions", "POST", Route::kCompletions},
    {"/tokenize", "POST", Route::kTokenize},
    {"/detokenize", "POST", Route::kDetokenize},
    {"/tokenizer_info", "GET", Route::kTokenizerInfo},
}};

const RouteEntry* find_route(std::string_view path) {
  for (const RouteEntry& entry : kRoutes)
    if (entry.path == path) return &entry;
  return nullptr;
}

}  // namespace

void Server::Impl::send_json(ResponseWriter& writer, const HttpRequest& request, int status,
                             const std::string& body) const {
  HttpHeaders headers = {{"content-type", "application/json"}};
  const HttpHeaders cors_headers = cors.response_headers(request);
  headers.insert(headers.end(), cors_headers.begin(), cors_headers.end());
  writer.send(status, std::move(headers), body);
}

void Server::Impl::send_api_error(ResponseWriter& writer, const HttpRequest& request,
                                  const ApiError& e, HttpHeaders extra) const {
  extra.emplace_back("content-type", "application/json");
  const HttpHeaders cors_headers = cors.response_headers(request);
  extra.insert(extra.end(), cors_headers.begin(), cors_headers.end());
  const auto optional = [](const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
  };
  writer.send(e.status(), std::move(extra),
              serve::error_body(e.what(), e.type(), optional(e.param()), optional(e.code())));
}

bool Server::Impl::authorized(const HttpRequest& request) const {
  if (options.api_key.empty()) return true;
  std::string_view given = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (given.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(given[i])) != kScheme[i]) return false;
  given.remove_prefix(kScheme.size());
  return serve::constant_time_equals(given, options.api_key);
}

void Server::Impl::handle(const HttpRequest& request, std::shared_ptr<ResponseWriter> writer) {
  if (cors.is_preflight(request)) {
    cors.answer_preflight(request, *writer);
    return;
  }
  serve::RequestRecord record;
  record.method = request.method;
  record.path = request.path;
  const auto refuse = [&](const ApiError& e, HttpHeaders extra = {}) {
    send_api_error(*writer, request, e, std::move(extra));
    record.status = e.status();
    record.error = e.what();
    log_request(record);
  };
  if (serve::is_web_path(request.path)) {
    if (!options.web_ui) {
      refuse(ApiError(404, "not_found_error",
                      "the web UI is disabled (yak serve was started with --no-webui)", "",
                      "web_ui_disabled"));
      return;
    }
    if (request.method != "GET" && request.method != "HEAD") {
      refuse(ApiError(405, "invalid_request_error",
                      fmt::format("the chat page's files take GET or HEAD, not {}",
                                  escape_for_terminal(request.method, 0, 20)),
                      "", "method_not_allowed"),
             {{"allow", "GET, HEAD"}});
      return;
    }
    std::optional<serve::WebResponse> found = serve::web_asset_response(request);
    if (!found) {
      refuse(ApiError(404, "not_found_error",
                      "there is no asset " + escape_for_terminal(request.path, 0, 200), "",
                      "not_found"));
      return;
    }
    writer->send(found->status, std::move(found->headers), std::move(found->body));
    return;
  }
  const RouteEntry* entry = find_route(request.path);
  if (entry == nullptr) {
    refuse(ApiError(404, "not_found_error",
                    "there is no route " + escape_for_terminal(request.path, 0, 200), "",
                    "not_found"));
    return;
  }
  if (request.method != entry->method) {
    refuse(ApiError(405, "invalid_request_error",
                    fmt::format("{} takes {}, not {}", entry->path, entry->method, request.method),
                    "", "method_not_allowed"),
           {{"allow", std::string(entry->method)}});
    return;
  }
  if (entry->route != Route::kHealth && !authorized(request)) {
    const bool missing = request.header("authorization").empty();
    refuse(ApiError(401, "authentication_error",
                    missing ? "this server needs an API key: send Authorization: Bearer KEY"
                            : "the API key is not valid",
                    "", "invalid_api_key"),
           {{"www-authenticate", "Bearer"}});
    return;
  }
  if (entry->route == Route::kHealth) return health(request, *writer);
  if (entry->route == Route::kMetrics) return metrics(request, *writer);
  const std::shared_ptr<ServeState> s = ready_state();
  if (!s) {
    refuse(ApiError(503, "unavailable_error", "the model is still loading; try again shortly", "",
                    "loading"),
           {{"retry-after", "5"}});
    return;
  }
  try {
    switch (entry->route) {
      case Route::kModels:
        return models(request, *writer, *s);
      case Route::kChat:
        return chat_completions(request, writer, *s);
      case Route::kCompletions:
        return completions(request, writer, *s);
      case Route::kTokenize:
        return tokenize(request, *writer, *s);
      case Route::kDetokenize:
        return detokenize(request, *writer, *s);
      case Route::kTokenizerInfo:
        return tokenizer_info(request, *writer, *s);
      default:
        return;
    }
  } catch (const ApiError& e) {
    refuse(e);
  } catch (const Error& e) {
    refuse(ApiError(400, "invalid_request_error", e.what()));
  } catch (const std::exception& e) {
    refuse(ApiError(500, "server_error", std::string("internal error: ") + e.what()));
  }
}

void Server::Impl::health(const HttpRequest& request, ResponseWriter& writer) {
  const std::shared_ptr<ServeState> s = ready_state();
  bool shutting_down = false;
  {
    const std::lock_guard<std::mutex> lock(mu);
    shutting_down = stopping;
  }
  const char* problem = nullptr;
  if (!s)
    problem = "the model is still loading";
  else if (shutting_down)
    problem = "the server is shutting down";
  else if (!s->scheduler->stats().alive)
    problem = "the engine loop has stopped";
  if (problem != nullptr) {
    send_api_error(writer, request, ApiError(503, "unavailable_error", problem, "", "unavailable"));
    return;
  }
  send_json(writer, request, 200, R"({"status":"ok"})");
}

void Server::Impl::metrics(const HttpRequest& request, ResponseWriter& writer) {
  const std::shared_ptr<ServeState> s = ready_state();
  std::optional<SchedulerStats> stats;
  if (s) stats = s->scheduler->stats();
  HttpHeaders headers = {{"content-type", std::string(serve::MetricsRegistry::kContentType)}};
  const HttpHeaders cors_headers = cors.response_headers(request);
  headers.insert(headers.end(), cors_headers.begin(), cors_headers.end());
  writer.send(200, std::move(headers), server_metrics->render(stats ? &*stats : nullptr));
}

void Server::Impl::models(const HttpRequest& request, ResponseWriter& writer, const ServeState& s) {
  send_json(
      writer, request, 200,
      serve::dump_json(serve::models_response(model_name, started_unix, s.bounds.context_size)));
}

void Server::Impl::tokenize(const HttpRequest& request, ResponseWriter& writer,
                            const ServeState& s) {
  const serve::Json body = serve::parse_json_object(request.body, options.limits.max_json_depth);
  if (serve::is_chat_tokenize_request(body)) {
    const serve::ChatTokenizeRequest chat = serve::parse_chat_tokenize_request(body, s.bounds);
    send_json(writer, request, 200,
              serve::dump_json(serve::tokens_response(
                  chat_prompt(s, chat.messages, chat.tools, chat.add_generation_prompt),
                  s.bounds.context_size)));
    return;
  }
  send_json(writer, request, 200,
            serve::dump_json(
                serve::tokenize_response(body, s.model->tokenizer(), s.bounds.context_size)));
}

void Server::Impl::detokenize(const HttpRequest& request, ResponseWriter& writer,
                              const ServeState& s) {
  const serve::Json body = serve::parse_json_object(request.body, options.limits.max_json_depth);
  send_json(writer, request, 200,
            serve::dump_json(serve::detokenize_response(body, s.model->tokenizer())));
}

void Server::Impl::tokenizer_info(const HttpRequest& request, ResponseWriter& writer,
                                  const ServeState& s) {
  send_json(writer, request, 200,
            serve::dump_json(serve::tokenizer_info_response(
                s.model->tokenizer(), s.chat_template_source, s.bounds.context_size)));
}

}  // namespace yak
