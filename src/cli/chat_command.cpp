// `yak chat`: a multi-turn conversation in the terminal, formatted with the model's own chat
// template (or --template FILE) and streamed as it is generated (cli/chat_session.h).
#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/chat_session.h"
#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/precision_flag.h"
#include "cli/sampling_flags.h"
#include "yak/chat_template.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/generate.h"
#include "yak/text.h"
#include "yak/text_file.h"
#include "yak/tokenizer.h"

namespace yak::cli {
namespace {

struct ChatFlags {
  Precision precision = Precision::kDefault;
  std::string model;
  std::string system;
  std::string template_file;
  int32_t n_predict = -1;
  std::vector<std::string> stop;
  int32_t n_threads = 0;
  int32_t context_size = 4096;
  SamplingParams sampling;
};

// Chat templates in the wild are a few KiB; anything near this is not a template.
constexpr uint64_t kMaxTemplateFileBytes = 1u << 20;

// A line as typed, without the carriage return of CRLF input.
std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void chat(const ChatFlags& flags) {
  // A bad --template fails before the model loads, and names the file.
  ChatOptions options{
      .system = flags.system,
      .template_source =
          flags.template_file.empty()
              ? std::string()
              : read_text_file(flags.template_file, "chat template file", kMaxTemplateFileBytes),
      .n_predict = flags.n_predict,
      .stop = flags.stop,
      .threads = std::make_shared<Threads>(flags.n_threads),
      .context_size = flags.context_size,
      .sampling = flags.sampling};
  options.sampling.seed = resolve_seed(flags.sampling.seed);
  const uint64_t seed = options.sampling.seed;
  const auto model = Model::load(resolve_model_path(flags.model),
                                 {.precision = flags.precision, .threads = options.threads});
  if (options.template_source.empty()) options.template_source = model->info().chat_template;
  if (options.template_source.empty())
    fail(
        "the model has no chat template (tokenizer.chat_template); give one with --template "
        "FILE");
  ChatSession session(model, std::move(options));
  fmt::print(
      stderr,
      "yak chat: {} | seed {} | /reset starts over, /system TEXT sets the system prompt, "
      "/exit quits\n",
      escape_for_terminal(model->info().name.empty() ? model->info().path : model->info().name),
      seed);
  int turns = 0, failed_turns = 0;
  std::string raw_line;
  while (true) {
    fmt::print(stderr, "> ");
    std::fflush(stderr);
    if (!std::getline(std::cin, raw_line)) break;
    const std::string line(without_cr(raw_line));
    if (line.empty()) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      session.reset(flags.system);
      fmt::print(stderr, "[conversation reset]\n");
      continue;
    }
    if (line.rfind("/system", 0) == 0 && (line.size() == 7 || line[7] == ' ')) {
      session.set_system(line.size() > 8 ? line.substr(8) : "");
      fmt::print(stderr, "[system prompt set]\n");
      continue;
    }
    ++turns;
    try {
      const GenerateResult r = session.reply(line, [](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
        return true;
      });
      std::fputs("\n", stdout);
      std::fflush(stdout);
      if (r.stop_reason == StopReason::kContextFull)
        fmt::print(stderr, "[context full: /reset to start a new conversation]\n");
    } catch (const ChatTemplateError& e) {
      ++failed_turns;
      fmt::print(stderr, "[chat template error: {}]\n", e.what());
    } catch (const Error& e) {
      ++failed_turns;
      fmt::print(stderr, "[error: {}]\n", e.what());
    }
  }
  fmt::print(stderr, "\n");
  // A script piping turns in must learn that none of them worked.
  if (turns > 0 && failed_turns == turns)
    fail("every turn of the conversation failed ({} of {})", failed_turns, turns);
}

}  // namespace

void add_chat_command(CLI::App& app) {
  auto flags = std::make_shared<ChatFlags>();
  CLI::App* cmd = app.add_subcommand(
      "chat",
      "Chat with a model in the terminal, using its chat template (/reset, /system, /exit)");
  cmd->add_option("-m,--model", flags->model,
                  "GGUF model file (default: the bundled SmolLM2-135M-Instruct)");
  cmd->add_option("--system", flags->system, "System prompt for the conversation");
  cmd->add_option("--template", flags->template_file,
                  "Jinja chat template file to use instead of the model's own");
  cmd->add_option("--stop", flags->stop,
                  "End a reply before this string (repeatable; the string is not printed)");
  cmd->add_option("-n,--n-predict", flags->n_predict, "Most tokens per reply (-1: until the end)")
      ->check(CLI::Range(-1, 1 << 24));
  cmd->add_option("-t,--threads", flags->n_threads, "Threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("-c,--ctx-size", flags->context_size, "Context size in tokens")
      ->check(CLI::Range(16, 1 << 24));
  add_precision_flag(*cmd, flags->precision);
  add_sampling_flags(*cmd, flags->sampling);
  cmd->callback([flags] { chat(*flags); });
}

}  // namespace yak::cli
