// `yak imatrix -m MODEL -f TEXT -o imatrix.gguf`: an importance matrix for `yak quantize
// --imatrix` (yak/imatrix.h), collected as llama-imatrix collects it and written in either
// of its formats. Progress and the ETA go to stderr; the summary (or --json) to stdout.
#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/eval_flags.h"
#include "yak/imatrix.h"

namespace yak::cli {
namespace {

struct ImatrixFlags {
  EvalFlags eval;
  std::string out = "imatrix.gguf";
  bool process_output = false;
};

std::string minutes(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

void run(const ImatrixFlags& f) {
  const std::string text = read_eval_text(f.eval.text_file);
  const std::string path = resolve_model_path(f.eval.model);
  const auto threads = std::make_shared<Threads>(f.eval.n_threads);
  const auto model = Model::load(path, {.precision = f.eval.precision, .threads = threads});
  fmt::print(stderr, "imatrix: {}, windows of {}, batch {}, {} threads, precision {}\n", path,
             f.eval.n_ctx, f.eval.n_batch, threads->size(), precision_name(f.eval.precision));
  ImatrixOptions options;
  options.n_ctx = f.eval.n_ctx;
  options.max_chunks = f.eval.max_chunks;
  options.n_batch = f.eval.n_batch;
  options.process_output = f.process_output;
  options.dataset = f.eval.text_file;
  options.threads = threads;
  options.on_progress = [](const ImatrixProgress& p) {
    fmt::print(stderr, "\rimatrix: {}/{} windows, {:.1f} s, ETA {}   ", p.chunks_done,
               p.chunks_total, p.seconds, minutes(p.eta_seconds()));
    std::fflush(stderr);
  };
  const auto t0 = std::chrono::steady_clock::now();
  const Imatrix m = compute_imatrix(model, text, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr, "\n");
  save_imatrix(m, f.out);
  const int64_t tokens = int64_t{m.chunk_count} * m.chunk_size;
  if (!f.eval.json) {
    fmt::print(
        "imatrix: {} entries from {} windows of {} tokens ({:.2f} s, {:.1f} tokens/s) "
        "saved to {}\n",
        m.entries.size(), m.chunk_count, m.chunk_size, seconds,
        seconds > 0 ? tokens / seconds : 0.0, f.out);
    return;
  }
  print_json({{"model", path},
              {"text_file", f.eval.text_file},
              {"output", f.out},
              {"precision", precision_name(f.eval.precision)},
              {"n_ctx", m.chunk_size},
              {"n_batch", f.eval.n_batch},
              {"n_threads", threads->size()},
              {"n_chunks", m.chunk_count},
              {"n_entries", m.entries.size()},
              {"process_output", f.process_output},
              {"seconds", seconds},
              {"tokens_per_second", seconds > 0 ? tokens / seconds : 0.0}});
}

}  // namespace

void add_imatrix_command(CLI::App& app) {
  auto flags = std::make_shared<ImatrixFlags>();
  CLI::App* cmd = app.add_subcommand(
      "imatrix", "Importance matrix of a model's activations on a text (as llama-imatrix)");
  cmd->footer(
      "The text is cut into windows of -c tokens as `yak eval perplexity` cuts it; each\n"
      "block's matrix products sum the squares of their input columns over every token.\n"
      "OUT ending in .gguf gets llama.cpp's GGUF imatrix, any other name its legacy\n"
      "imatrix.dat format; either works with `yak quantize --imatrix` and llama-quantize.\n"
      "Example: yak imatrix -m model.gguf -f wiki.train.raw -o imatrix.gguf --chunks 100");
  add_eval_flags(*cmd, flags->eval);
  cmd->add_option("-o,--output", flags->out, "the file to write (default imatrix.gguf)");
  cmd->add_flag("--process-output", flags->process_output,
                "also collect output.weight's inputs (llama-imatrix --process-output)");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace yak::cli
