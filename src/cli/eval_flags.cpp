#include "cli/eval_flags.h"

#include <fmt/core.h>

#include "cli/precision_flag.h"
#include "yak/error.h"
#include "yak/text_file.h"

namespace yak::cli {

CLI::Option* add_eval_flags(CLI::App& cmd, EvalFlags& f) {
  cmd.add_option("-m,--model", f.model,
                 "GGUF model file (default: $YAK_MODEL or models/SmolLM2-135M-Instruct.Q4_1.gguf)");
  cmd.add_option("-f,--file", f.text_file, "the text to score (UTF-8), e.g. wiki.test.raw");
  CLI::Option* ctx = cmd.add_option("-c,--ctx-size", f.n_ctx, "tokens per window (default 512)")
                         ->check(CLI::Range(4, 1 << 20));
  cmd.add_option("-b,--batch-size", f.n_batch,
                 "tokens per decode call: n_batch/n_ctx windows run side by side, or each "
                 "window in pieces of n_batch when smaller (default 2048, as llama.cpp)")
      ->check(CLI::Range(1, 1 << 20));
  cmd.add_option("-t,--threads", f.n_threads, "threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--chunks", f.max_chunks, "score at most this many windows (default: all)")
      ->check(CLI::Range(0, 1 << 24));
  add_precision_flag(cmd, f.precision);
  cmd.add_flag("--json", f.json, "print one JSON object with every figure (progress on stderr)");
  return ctx;
}

std::string read_eval_text(const std::string& path) {
  if (path.empty()) fail("no text to score: give it with -f FILE");
  // WikiText-2's test split is 1.3 MB; 1 GiB is far beyond any evaluation text.
  std::string text = read_text_file(path, "text file", uint64_t{1} << 30);
  if (text.empty()) fail("the text file {} is empty", path);
  return text;
}

eval::RunOptions run_options(const EvalFlags& f, std::shared_ptr<Threads> threads) {
  return {.n_batch = f.n_batch, .threads = std::move(threads), .n_threads = f.n_threads};
}

void print_eta(std::FILE* out, const char* what, const eval::Progress& p) {
  const double per_pass = p.seconds_per_window();
  int total = int(per_pass * p.windows_total);
  std::string eta;
  if (total >= 3600) {
    eta = fmt::format("{} hours ", total / 3600);
    total %= 3600;
  }
  fmt::print(out, "{}: {:.2f} seconds per window - ETA {}{:.2f} minutes\n", what, per_pass, eta,
             total / 60.0);
}

void print_json(const nlohmann::json& j) {
  fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace yak::cli
