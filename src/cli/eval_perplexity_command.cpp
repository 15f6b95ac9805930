// `yak eval perplexity`: a model's perplexity on a text, scored as llama.cpp's
// `llama-perplexity` scores it (yak/eval.h), printing the same progress and final line.
#include <fmt/core.h>

#include <chrono>
#include <memory>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/eval_flags.h"
#include "yak/eval.h"

namespace yak::cli {
namespace {

void run(const EvalFlags& f) {
  const std::string text = read_eval_text(f.text_file);
  const std::string path = resolve_model_path(f.model);
  const auto threads = std::make_shared<Threads>(f.n_threads);
  const auto model = Model::load(path, {.precision = f.precision, .threads = threads});
  std::FILE* out = progress_stream(f);
  const auto t0 = std::chrono::steady_clock::now();
  const eval::Windows windows =
      eval::make_windows(model->tokenizer(), text, {.n_ctx = f.n_ctx, .max_chunks = f.max_chunks});
  const double tokenize_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(out,
             "perplexity: {} tokens in {:.2f} s; {} chunks of {}, batch {}, {} threads, "
             "precision {}\n",
             windows.n_text_tokens, tokenize_s, windows.n_chunks, windows.n_ctx, f.n_batch,
             threads->size(), precision_name(f.precision));
  std::fflush(out);
  const auto progress = [&](const eval::Progress& p, double running_ppl) {
    if (p.windows_done == 1) print_eta(out, "perplexity", p);
    fmt::print(out, "[{}]{:.4f},", p.windows_done, running_ppl);
    std::fflush(out);
  };
  const eval::PerplexityResult r =
      eval::perplexity(model, windows, run_options(f, threads), progress);
  fmt::print(out, "\n");
  if (!f.json) {
    fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl.value, r.ppl.uncertainty);
    fmt::print("perplexity: {} tokens scored, {:.2f} s, {:.1f} tokens/s\n", r.n_scored, r.seconds,
               r.tokens_per_second);
    return;
  }
  std::fflush(out);
  print_json(eval::perplexity_json(r, {.model = path,
                                       .model_bytes = eval::model_file_bytes(path),
                                       .text_file = f.text_file,
                                       .precision = f.precision,
                                       .n_batch = f.n_batch,
                                       .n_threads = int32_t(threads->size()),
                                       .tokenize_seconds = tokenize_s}));
}

}  // namespace

void add_eval_perplexity_command(CLI::App& eval) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd =
      eval.add_subcommand("perplexity", "Perplexity of a model on a text (as llama-perplexity)");
  cmd->footer(
      "The text is tokenized whole (with BOS where the model adds it) and cut into windows\n"
      "of -c tokens; each window's first token becomes BOS, and only its second half is\n"
      "scored. Prints the running estimate per window ([1]..,[2]..) and\n"
      "'Final estimate: PPL = x +/- y'; see docs/eval.md.\n"
      "Example: yak eval perplexity -m model.gguf -f wiki.test.raw -c 512 -t 2");
  add_eval_flags(*cmd, *flags);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace yak::cli
