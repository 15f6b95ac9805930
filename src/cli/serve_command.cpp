// `yak serve`: the OpenAI-compatible server (yak/server.h; docs/server.md). Flags follow
// llama-server's names where it has them. SIGINT/SIGTERM stop it gracefully: no new
// connections, running requests get --shutdown-timeout to finish, then end with a final
// chunk, and the command exits 0; a second signal exits at once.
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/precision_flag.h"
#include "yak/error.h"
#include "yak/server.h"
#include "yak/text_file.h"

namespace yak::cli {
namespace {

struct ServeFlags {
  ServerOptions options;
  std::string kv_memory;
  std::string api_key_file;
  std::string max_body;
  double timeout_seconds = 600;
  double shutdown_timeout_seconds = 10;
  double ping_seconds = 5;
  std::string log_format = "text";
  std::string tool_call_format = "auto";
  bool no_web_ui = false;
  bool list_web_assets = false;
};

// The chat page's files as built in: what --list-web-assets prints.
void print_web_assets() {
  uint64_t total = 0;
  const std::vector<WebUiAsset> assets = web_ui_assets();
  size_t width = 4;
  for (const WebUiAsset& a : assets) width = std::max(width, a.path.size());
  fmt::print("{:<{}} {:>9}  {}\n", "path", width, "bytes", "content type");
  for (const WebUiAsset& a : assets) {
    fmt::print("{:<{}} {:>9}  {}\n", a.path, width, a.bytes, a.content_type);
    total += a.bytes;
  }
  fmt::print("total: {} files, {} bytes ({:.1f} KiB)\n", assets.size(), total,
             static_cast<double>(total) / 1024.0);
}

// "512M", "2G", "1.5GiB", "4096": sizes in bytes, the suffixes K, M, G, T (optionally followed
// by B or iB) being powers of 1024.
uint64_t parse_size(const std::string& text, const std::string& flag) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::logic_error&) {
    fail("{} '{}' is not a size (e.g. 512M, 2G)", flag, text);
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && (unit.ends_with("IB") || unit.ends_with("B")))
    unit.resize(unit.size() - (unit.ends_with("IB") ? 2 : 1));
  double scale = 1;
  if (unit == "K") {
    scale = 1024.0;
  } else if (unit == "M") {
    scale = 1024.0 * 1024;
  } else if (unit == "G") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else if (!unit.empty() && unit != "B") {
    fail("{} '{}' has an unknown unit (use K, M, G or T)", flag, text);
  }
  const double bytes = value * scale;
  if (!(bytes >= 1) || bytes > 1e18) fail("{} '{}' is out of range", flag, text);
  return static_cast<uint64_t>(bytes);
}

std::string read_api_key(const std::string& path) {
  std::string key = read_text_file(path, "API key file", 64 * 1024);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front()))) key.erase(0, 1);
  if (key.empty()) fail("the API key file {} is empty", path);
  return key;
}

std::chrono::milliseconds seconds_flag(double seconds, const char* flag) {
  if (!(seconds >= 0) || seconds > 1e7) fail("{} {} is out of range", flag, seconds);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

void serve(ServeFlags& f) {
  if (f.list_web_assets) return print_web_assets();
  ServerOptions& o = f.options;
  o.web_ui = !f.no_web_ui;
  o.model_path = resolve_model_path(o.model_path);
  if (!f.kv_memory.empty()) o.kv_memory_bytes = parse_size(f.kv_memory, "--kv-memory");
  if (!f.max_body.empty()) o.limits.max_body_bytes = parse_size(f.max_body, "--max-body");
  if (!f.api_key_file.empty()) o.api_key = read_api_key(f.api_key_file);
  o.request_timeout = seconds_flag(f.timeout_seconds, "--timeout");
  o.shutdown_timeout = seconds_flag(f.shutdown_timeout_seconds, "--shutdown-timeout");
  o.ping_interval = seconds_flag(f.ping_seconds, "--ping-interval");
  if (o.ping_interval.count() == 0) fail("--ping-interval must be positive");
  o.log_format = f.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  const std::pair<const char*, ToolCallFormat> formats[] = {{"auto", ToolCallFormat::kAuto},
                                                            {"hermes", ToolCallFormat::kHermes},
                                                            {"llama3", ToolCallFormat::kLlama3},
                                                            {"mistral", ToolCallFormat::kMistral},
                                                            {"generic", ToolCallFormat::kGeneric}};
  for (const auto& [name, format] : formats)
    if (f.tool_call_format == name) o.tool_call_format = format;

  // Signals are taken by one thread with sigwait: blocked here, before any thread starts, so
  // that every thread the server makes inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-write is an error code, not a signal

  Server server(o);
  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    bool stopping = false;
    while (true) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0 || finished.load()) return;
      if (!stopping) {
        stopping = true;
        fmt::print(stderr, "yak serve: {} received: stopping\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
        server.stop();
      } else {
        fmt::print(stderr, "yak serve: second signal: exiting at once\n");
        std::_Exit(130);
      }
    }
  });
  const auto join_signal_thread = [&] {
    finished = true;
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes its sigwait
    signal_thread.join();
  };
  try {
    server.run();
  } catch (...) {
    join_signal_thread();
    throw;
  }
  join_signal_thread();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  ServerOptions& o = f->options;
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the model over an OpenAI-compatible HTTP API (docs/server.md)");
  cmd->add_option("-m,--model", o.model_path,
                  "GGUF model file (default: the bundled SmolLM2-135M-Instruct)");
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  cmd->add_option("--parallel", o.parallel, "Sequences decoding at once (each choice counts)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("-c,--ctx-size", o.context_size,
                  "Context of one request in tokens: prompt + completion (not divided among "
                  "--parallel, unlike llama-server)")
      ->check(CLI::Range(16, 1 << 24))
      ->capture_default_str();
  auto* kv_tokens = cmd->add_option("--kv-tokens", o.kv_tokens,
                                    "KV cache pool in tokens, over all requests (default: "
                                    "parallel x ctx-size)")
                        ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--kv-memory", f->kv_memory, "KV cache pool as memory, e.g. 2G")
      ->excludes(kv_tokens);
  cmd->add_option("-b,--batch-size,--batch-tokens", o.batch_tokens,
                  "Tokens of one engine step: decode tokens first, then prompt chunks")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  auto* api_key = cmd->add_option(
      "--api-key", o.api_key,
      "Require Authorization: Bearer KEY (all API routes but /health; the chat page "
      "asks for it itself)");
  cmd->add_option("--api-key-file", f->api_key_file, "Read the API key from this file")
      ->excludes(api_key);
  cmd->add_option("-a,--alias", o.alias, "Model name shown to clients (default: the file's name)");
  cmd->add_option("-t,--threads", o.n_threads, "Compute threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--io-threads", o.io_threads, "Threads serving connections")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--timeout", f->timeout_seconds,
                  "Time limit of one request in seconds (0: none); a request past it ends "
                  "with finish_reason \"length\"")
      ->capture_default_str();
  cmd->add_option("--cors-origin", o.cors_origin,
                  "Allow browsers from this origin (\"*\" for any, or a comma-separated list); "
                  "off by default");
  cmd->add_option("--log-format", f->log_format, "Request log lines: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--shutdown-timeout", f->shutdown_timeout_seconds,
                  "Seconds running requests get to finish after SIGTERM/SIGINT")
      ->capture_default_str();
  cmd->add_option("--ping-interval", f->ping_seconds,
                  "Seconds of quiet after which a stream gets a \": ping\" comment")
      ->capture_default_str();
  cmd->add_option("--max-queue", o.limits.max_waiting,
                  "Requests waiting for the engine; more get 429")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max-body", f->max_body, "Largest request body, e.g. 8M (413 beyond)");
  cmd->add_option("--tool-call-format", f->tool_call_format,
                  "How the model writes tool calls: auto (from the chat template), hermes, "
                  "llama3, mistral or generic (docs/server.md)")
      ->check(CLI::IsMember({"auto", "hermes", "llama3", "mistral", "generic"}))
      ->capture_default_str();
  cmd->add_flag("--no-webui", f->no_web_ui,
                "Do not serve the chat page at / (its paths answer 404; the API is unchanged)");
  cmd->add_flag("--list-web-assets", f->list_web_assets,
                "Print the chat page's built-in files with their sizes, and exit");
  add_precision_flag(*cmd, o.precision);
  cmd->callback([f] { serve(*f); });
}

}  // namespace yak::cli
