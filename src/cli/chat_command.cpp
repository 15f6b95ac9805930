// `yak chat`: a multi-turn conversation in the terminal, formatted with the
// model's own chat template and streamed as it is generated.
//
// Each turn re-renders the whole conversation with the template, tokenizes
// it, and runs only the tokens after the longest prefix the KV cache already
// holds. That stays correct for templates that rewrite earlier turns, and
// costs nothing extra for the usual ones that only append.
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/precision_flag.h"
#include "cli/sampling_flags.h"
#include "yak/error.h"
#include "yak/chat_template.h"
#include "yak/engine.h"
#include "yak/generate.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak::cli {
namespace {

struct ChatFlags {
  Precision precision = Precision::kDefault;
  std::string model;
  std::string system;
  std::string template_file;
  int32_t n_predict = -1;
  int32_t n_threads = 0;
  int32_t context_size = 4096;
  SamplingParams sampling;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read chat template file {}", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ChatSession {
 public:
  ChatSession(std::shared_ptr<const Model> model, const ChatFlags& flags)
      : model_(std::move(model)),
        flags_(flags),
        ctx_(model_,
             ContextOptions{.n_threads = flags.n_threads, .context_size = flags.context_size}) {
    const std::string source =
        flags.template_file.empty() ? model_->info().chat_template : read_file(flags.template_file);
    if (source.empty())
      fail(
          "the model has no chat template (tokenizer.chat_template); give one with --template "
          "FILE");
    template_ = ChatTemplate::parse(source);
    const Tokenizer& tok = model_->tokenizer();
    if (tok.bos()) bos_text_ = tok.token_text(*tok.bos());
    if (tok.eos()) eos_text_ = tok.token_text(*tok.eos());
    reset(flags.system);
  }

  void reset(const std::string& system) {
    messages_ = nlohmann::ordered_json::array();
    if (!system.empty()) messages_.push_back({{"role", "system"}, {"content", system}});
  }

  void set_system(const std::string& system) {
    if (!messages_.empty() && messages_[0]["role"] == "system") {
      if (system.empty())
        messages_.erase(messages_.begin());
      else
        messages_[0]["content"] = system;
    } else if (!system.empty()) {
      messages_.insert(messages_.begin(),
                       nlohmann::ordered_json::object({{"role", "system"}, {"content", system}}));
    }
  }

  // Runs one user turn, streaming the reply to stdout.
  void reply(const std::string& user_text) {
    messages_.push_back({{"role", "user"}, {"content", user_text}});
    const std::string prompt = template_.render(
        chat_template_context(messages_, /*add_generation_prompt=*/true, bos_text_, eos_text_));
    // The template writes BOS itself where the model wants one.
    std::vector<int32_t> tokens = model_->tokenizer().encode(prompt, false, true);

    size_t common = 0;
    while (common < cached_.size() && common < tokens.size() && cached_[common] == tokens[common])
      ++common;
    if (common == tokens.size()) --common;  // at least one token must run to get logits
    ctx_.truncate_sequence(0, static_cast<int32_t>(common));
    cached_.resize(common);
    const std::span<const int32_t> fresh(tokens.data() + common, tokens.size() - common);
    if (!ctx_.has_room(0, static_cast<int32_t>(fresh.size()) + 1)) {
      messages_.erase(messages_.end() - 1);
      fail("the conversation no longer fits the context of {} tokens; /reset to start over",
           flags_.context_size);
    }

    GenerateOptions gen;
    gen.sampling = flags_.sampling;
    gen.max_new_tokens = flags_.n_predict;
    const GenerateResult r = generate(ctx_, 0, fresh, gen, [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    std::fputs("\n", stdout);
    cached_.insert(cached_.end(), fresh.begin(), fresh.end());
    // The cache holds every generated token but a final end-of-generation one.
    const size_t kept =
        r.stop_reason == StopReason::kEndOfGeneration ? r.tokens.size() - 1 : r.tokens.size();
    cached_.insert(cached_.end(), r.tokens.begin(),
                   r.tokens.begin() + static_cast<ptrdiff_t>(kept));
    messages_.push_back({{"role", "assistant"}, {"content", r.text}});
    if (r.stop_reason == StopReason::kContextFull)
      fmt::print(stderr, "[context full: /reset to start a new conversation]\n");
  }

 private:
  std::shared_ptr<const Model> model_;
  ChatFlags flags_;
  Context ctx_;
  ChatTemplate template_;
  std::string bos_text_;
  std::string eos_text_;
  nlohmann::ordered_json messages_;
  std::vector<int32_t> cached_;  // tokens of sequence 0 in the KV cache
};

void chat(const ChatFlags& flags) {
  const auto model = Model::load(resolve_model_path(flags.model), {.precision = flags.precision});
  ChatSession session(model, flags);
  fmt::print(
      stderr,
      "yak chat: {} | /reset starts over, /system TEXT sets the system prompt, /exit quits\n",
      escape_for_terminal(model->info().name.empty() ? model->info().path : model->info().name));
  std::string line;
  while (true) {
    fmt::print(stderr, "> ");
    std::fflush(stderr);
    if (!std::getline(std::cin, line)) break;
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
    try {
      session.reply(line);
    } catch (const ChatTemplateError& e) {
      fmt::print(stderr, "[chat template error: {}]\n", e.what());
    } catch (const Error& e) {
      fmt::print(stderr, "[error: {}]\n", e.what());
    }
  }
  fmt::print(stderr, "\n");
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
