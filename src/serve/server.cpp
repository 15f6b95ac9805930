// yak::Server's life: listen first (so /health can say "loading"), load the model and start
// the engine, serve until stop(), then drain: no new connections, running requests get up to
// shutdown_timeout to finish and the rest end with a final chunk, responses flush, and the
// connections close.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "serve/openai/tool_call_format.h"
#include "serve/openai/tool_prompt.h"
#include "serve/server_impl.h"
#include "serve/web/web_assets.h"
#include "yak/error.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

void check_options(const ServerOptions& o) {
  if (o.model_path.empty()) fail("no model file given");
  if (o.host.empty()) fail("no host to listen on");
  if (o.parallel < 1 || o.parallel > 4096)
    fail("--parallel {} is out of range [1, 4096]", o.parallel);
  if (o.context_size < 1)
    fail("the context per request ({}) must be at least 1 token", o.context_size);
  if (o.kv_tokens < 0) fail("--kv-tokens {} must not be negative", o.kv_tokens);
  if (o.io_threads < 1 || o.io_threads > 256)
    fail("the I/O threads ({}) must be in [1, 256]", o.io_threads);
  if (o.n_threads < 0 || o.n_threads > 1024) fail("-t {} is out of range [0, 1024]", o.n_threads);
  if (o.request_timeout.count() < 0) fail("--timeout must not be negative");
  if (o.shutdown_timeout.count() < 0) fail("--shutdown-timeout must not be negative");
  if (o.ping_interval.count() <= 0) fail("the ping interval must be positive");
  const ServerLimits& l = o.limits;
  if (l.max_body_bytes < 1 || l.max_header_bytes < 256)
    fail("the body and header limits are too small to hold a request");
  if (l.max_json_depth < 2) fail("the JSON depth limit ({}) must be at least 2", l.max_json_depth);
  if (l.max_messages < 1 || l.max_n < 1 || l.max_prompts < 1 || l.max_stop_strings < 0 ||
      l.max_stop_bytes < 1 || l.max_waiting < 0)
    fail("request limits must be positive");
  if (l.max_top_logprobs < 0 || l.max_top_logprobs > 20)
    fail("the top_logprobs limit ({}) must be in [0, 20]", l.max_top_logprobs);
}

// The name clients see: the alias, else the model file's name without ".gguf".
std::string shown_name(const ServerOptions& o) {
  if (!o.alias.empty()) return o.alias;
  return std::filesystem::path(o.model_path).stem().string();
}

// Changes when the weights, the precision or Yak do: what OpenAI's system_fingerprint is for.
std::string fingerprint(const Model& model, Precision precision) {
  const ModelInfo& info = model.info();
  const std::string key =
      fmt::format("yak 0.1.0|{}|{}|{}|{}|{}", info.architecture, info.name, info.n_params,
                  info.weight_bytes, static_cast<int>(precision));
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (const unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("fp_{:012x}", hash & 0xffffffffffffull);
}

}  // namespace

Server::Impl::Impl(ServerOptions o)
    : options(std::move(o)),
      model_name(shown_name(options)),
      cors(options.cors_origin),
      id_random(std::random_device{}()) {
  check_options(options);
}

void Server::Impl::log_line(std::string_view line) const {
  if (options.log) {
    options.log(line);
    return;
  }
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

void Server::Impl::log_request(const serve::RequestRecord& record) const {
  log_line(serve::format_request_log(record, options.log_format, std::chrono::system_clock::now()));
}

std::shared_ptr<ServeState> Server::Impl::ready_state() const {
  const std::lock_guard<std::mutex> lock(mu);
  return state;
}

void Server::Impl::load() {
  auto s = std::make_shared<ServeState>();
  // One set of workers repacks the weights and then runs every step of the engine.
  const auto threads = std::make_shared<Threads>(options.n_threads);
  s->model = Model::load(options.model_path, {.precision = options.precision, .threads = threads});
  SchedulerOptions so;
  so.max_running = options.parallel;
  so.context_size = options.context_size;
  so.kv_tokens = options.kv_tokens;
  so.kv_memory_bytes = options.kv_memory_bytes;
  so.batch_tokens = options.batch_tokens;
  so.max_waiting = options.limits.max_waiting;
  so.threads = threads;
  s->scheduler = std::make_unique<Scheduler>(s->model, so);

  s->chat_template_source = s->model->info().chat_template;
  if (s->chat_template_source.empty()) {
    s->chat_template_problem =
        "the model has no chat template (tokenizer.chat_template): use /v1/completions";
  } else {
    try {
      s->chat_template = ChatTemplate::parse(s->chat_template_source);
    } catch (const ChatTemplateError& e) {
      s->chat_template_problem =
          std::string("the model's chat template does not parse: ") + e.what();
      log_line("yak serve: warning: " + escape_for_terminal(s->chat_template_problem, 0, 300));
    }
  }
  if (s->chat_template) {
    const Tokenizer& tokenizer = s->model->tokenizer();
    s->template_renders_tools = serve::template_renders_tools(
        *s->chat_template, tokenizer.bos() ? tokenizer.token_text(*tokenizer.bos()) : "",
        tokenizer.eos() ? tokenizer.token_text(*tokenizer.eos()) : "");
  }
  // A template that does not render tools gets Yak's own description of them, in the generic
  // format unless the operator chose another.
  s->tool_format = options.tool_call_format != ToolCallFormat::kAuto ? options.tool_call_format
                   : s->template_renders_tools
                       ? serve::detect_tool_call_format(s->chat_template_source)
                       : ToolCallFormat::kGeneric;
  s->bounds.limits = options.limits;
  s->bounds.context_size = options.context_size;
  s->bounds.parallel = options.parallel;
  s->bounds.n_vocab = s->model->info().n_vocab;
  s->fingerprint = fingerprint(*s->model, options.precision);

  const SchedulerOptions& resolved = s->scheduler->options();
  log_line(fmt::format(
      "yak serve: ready: {} as \"{}\" | {} parallel | context {} per request | KV pool {} "
      "tokens | batch {} | {} threads | tool calls: {}{}",
      escape_for_terminal(
          s->model->info().name.empty() ? options.model_path : s->model->info().name, 0, 200),
      escape_for_terminal(model_name, 0, 200), resolved.max_running, resolved.context_size,
      resolved.kv_tokens, resolved.batch_tokens, threads->size(),
      serve::tool_call_format_name(s->tool_format),
      s->template_renders_tools ? "" : " (tools described by Yak)"));
  const std::lock_guard<std::mutex> lock(mu);
  state = std::move(s);
}

void Server::Impl::log_web_ui() const {
  if (!options.web_ui) {
    log_line("yak serve: chat page off (--no-webui)");
    return;
  }
  const serve::WebAssetTotals totals = serve::web_asset_totals();
  // An IPv6 address is bracketed in a URL.
  const std::string host = escape_for_terminal(options.host, 0, 100);
  log_line(fmt::format("yak serve: chat page at http://{}:{}/ ({} files built in, {:.1f} KiB)",
                       host.find(':') != std::string::npos ? "[" + host + "]" : host, port.load(),
                       totals.count, static_cast<double>(totals.bytes) / 1024.0));
}

void Server::Impl::run() {
  started_unix = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  server_metrics = std::make_unique<serve::ServerMetrics>(model_name);
  keep_alive = std::make_unique<serve::KeepAlive>(options.ping_interval);
  serve::HttpServerOptions ho;
  ho.host = options.host;
  ho.port = options.port;
  ho.io_threads = options.io_threads;
  ho.limits.max_body_bytes = options.limits.max_body_bytes;
  ho.limits.max_header_bytes = options.limits.max_header_bytes;
  http = std::make_unique<serve::HttpServer>(
      ho, [this](const serve::HttpRequest& request, std::shared_ptr<serve::ResponseWriter> writer) {
        handle(request, std::move(writer));
      });
  http->start();
  port = http->port();
  log_line(fmt::format("yak serve: listening on http://{}:{} (loading {})",
                       escape_for_terminal(options.host, 0, 100), port.load(),
                       escape_for_terminal(options.model_path, 0, 300)));
  log_web_ui();
  try {
    load();
  } catch (...) {
    http->stop();
    throw;
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    stop_requested.wait(lock, [&] { return stopping; });
  }
  drain();
}

void Server::Impl::drain() {
  const std::shared_ptr<ServeState> s = ready_state();
  const int32_t running =
      s->scheduler->stats().running_requests + s->scheduler->stats().waiting_requests;
  log_line(fmt::format(
      "yak serve: shutting down: no new connections; {} requests get up to {:.1f} s to finish",
      running, std::chrono::duration<double>(options.shutdown_timeout).count()));
  http->stop_accepting();
  // Requests still running then are cancelled; each ends with a final chunk ("length").
  s->scheduler->shutdown(options.shutdown_timeout);
  // Their last bytes are queued; give the connections a moment to take them.
  const auto flush_until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (http->responses_in_progress() > 0 && std::chrono::steady_clock::now() < flush_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  http->stop();
  keep_alive.reset();
  log_line("yak serve: stopped");
}

void Server::Impl::stop() {
  {
    const std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  stop_requested.notify_all();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
uint16_t Server::port() const { return impl_->port.load(); }

}  // namespace yak
