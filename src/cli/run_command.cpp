// `yak run`: generate text from a prompt, streaming it to stdout, then print
// prompt and generation speed to stderr.
#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/grammar_flags.h"
#include "cli/precision_flag.h"
#include "cli/sampling_flags.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/generate.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak::cli {
namespace {

struct RunFlags {
  Precision precision = Precision::kDefault;
  std::string model;
  std::string prompt;
  int32_t n_predict = 128;
  int32_t n_threads = 0;
  int32_t context_size = 4096;
  int32_t batch_size = 512;
  bool ignore_eos = false;
  std::vector<std::string> stop;
  bool no_special = false;
  bool verbose_prompt = false;
  SamplingParams sampling;
  GrammarFlags grammar;
};

void run(const RunFlags& f) {
  // One set of workers repacks the weights at load and then runs the context.
  const auto threads = std::make_shared<Threads>(f.n_threads);
  const auto model =
      Model::load(resolve_model_path(f.model), {.precision = f.precision, .threads = threads});
  const Tokenizer& tokenizer = model->tokenizer();
  const std::shared_ptr<const Grammar> grammar = grammar_from_flags(f.grammar);
  const std::vector<int32_t> prompt =
      tokenizer.encode(f.prompt, /*add_special=*/true, /*parse_special=*/!f.no_special);
  if (prompt.empty()) fail("the prompt is empty after tokenization");
  if (f.verbose_prompt) {
    fmt::print(stderr, "prompt: {} tokens:", prompt.size());
    for (int32_t t : prompt) fmt::print(stderr, " {}", t);
    fmt::print(stderr, "\n");
  }

  ContextOptions options;
  options.threads = threads;
  options.context_size = f.context_size;
  options.max_batch_tokens = f.batch_size;
  Context ctx(model, options);
  const SequenceId seq = ctx.add_sequence();
  if (static_cast<int64_t>(prompt.size()) > f.context_size)
    fail("the prompt has {} tokens but the context holds only {} (raise -c)", prompt.size(),
         f.context_size);

  GenerateOptions gen;
  gen.sampling = f.sampling;
  gen.max_new_tokens = f.n_predict;
  gen.stop_at_end_of_generation = !f.ignore_eos;
  gen.stop = f.stop;
  gen.grammar = grammar;
  const GenerateResult r = generate(ctx, seq, prompt, gen, [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);

  const double prefill_tps = r.prefill_seconds > 0 ? r.prompt_tokens / r.prefill_seconds : 0.0;
  const double decode_tps = r.decode_seconds > 0 ? r.decoded_tokens / r.decode_seconds : 0.0;
  fmt::print(
      stderr,
      "\nyak: {} | {} threads | seed {} | stop: {}\n"
      "prefill: {:5d} tokens in {:8.3f} s = {:8.2f} tokens/s\n"
      "decode:  {:5d} tokens in {:8.3f} s = {:8.2f} tokens/s\n",
      escape_for_terminal(model->info().name.empty() ? model->info().path : model->info().name),
      ctx.n_threads(), r.seed, stop_reason_name(r.stop_reason), r.prompt_tokens, r.prefill_seconds,
      prefill_tps, r.decoded_tokens, r.decode_seconds, decode_tps);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt and report speed");
  cmd->add_option("-m,--model", flags->model,
                  "GGUF model file (default: the bundled SmolLM2-135M-Instruct)");
  cmd->add_option("-p,--prompt", flags->prompt, "Prompt text")->required();
  cmd->add_option("-n,--n-predict", flags->n_predict, "Tokens to generate (-1: until end)")
      ->check(CLI::Range(-1, 1 << 24));
  cmd->add_option("-t,--threads", flags->n_threads, "Threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("-c,--ctx-size", flags->context_size, "Context size in tokens")
      ->check(CLI::Range(16, 1 << 24));
  cmd->add_option("-b,--batch-size", flags->batch_size, "Tokens per forward pass in prefill")
      ->check(CLI::Range(1, 65536));
  cmd->add_flag("--ignore-eos", flags->ignore_eos, "Keep generating past end-of-generation tokens");
  cmd->add_option("--stop", flags->stop,
                  "End the text before this string (repeatable; the string is not printed)");
  cmd->add_flag("--no-special", flags->no_special,
                "Treat special-token text in the prompt as plain text");
  cmd->add_flag("--verbose-prompt", flags->verbose_prompt, "Print the prompt's token ids");
  add_precision_flag(*cmd, flags->precision);
  add_sampling_flags(*cmd, flags->sampling);
  add_grammar_flags(*cmd, flags->grammar);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace yak::cli
