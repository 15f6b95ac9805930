// `yak eval kld`: how far a model's next-token distributions are from a base model's on a
// text, with the figures llama.cpp's `llama-perplexity --kl-divergence` prints. The base's
// log-probabilities are computed once and can be saved (--base-logits) and reused without
// loading the base again.
#include <fmt/core.h>

#include <memory>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/eval_flags.h"
#include "yak/error.h"
#include "yak/eval.h"

namespace yak::cli {
namespace {

struct KldFlags {
  EvalFlags eval;
  std::string base;
  std::string base_logits;
  Precision base_precision = Precision::kDefault;
  int32_t top_k = eval::kDefaultTopK;
  int32_t tail_samples = eval::kDefaultTailSamples;
  bool ctx_given = false;
};

eval::BaseLogProbs compute_base(const KldFlags& f, const std::shared_ptr<Threads>& threads,
                                std::FILE* out) {
  const std::string text = read_eval_text(f.eval.text_file);
  const auto base = Model::load(f.base, {.precision = f.base_precision, .threads = threads});
  const eval::Windows windows = eval::make_windows(
      base->tokenizer(), text, {.n_ctx = f.eval.n_ctx, .max_chunks = f.eval.max_chunks});
  fmt::print(out, "kld: base {} ({} precision): {} tokens, {} chunks of {}, top {} + {} samples\n",
             f.base, precision_name(f.base_precision), windows.n_text_tokens, windows.n_chunks,
             windows.n_ctx, f.top_k, f.tail_samples);
  std::fflush(out);
  eval::BaseLogProbs b =
      eval::compute_base_logprobs(base, windows, f.top_k, f.tail_samples,
                                  run_options(f.eval, threads), [out](const eval::Progress& p) {
                                    if (p.windows_done == 1) print_eta(out, "kld: base", p);
                                    std::fflush(out);
                                  });
  b.description = fmt::format("{}, {} precision", f.base, precision_name(f.base_precision));
  b.text_file = f.eval.text_file;
  if (!f.base_logits.empty()) {
    eval::save_base_logprobs(b, f.base_logits);
    fmt::print(out, "kld: saved the base log-probabilities to {}\n", f.base_logits);
  }
  return b;
}

eval::BaseLogProbs load_base(const KldFlags& f, std::FILE* out) {
  eval::BaseLogProbs b = eval::load_base_logprobs(f.base_logits);
  if (f.ctx_given && f.eval.n_ctx != b.windows.n_ctx) {
    fail("the base file {} was made with -c {}, not {}", f.base_logits, b.windows.n_ctx,
         f.eval.n_ctx);
  }
  fmt::print(out, "kld: base log-probabilities from {} ({}): {} chunks of {}, top {}\n",
             f.base_logits, b.description, b.windows.n_chunks, b.windows.n_ctx, b.top_k);
  return b;
}

void print_chunk(std::FILE* out, const eval::Progress& p, const eval::KldResult& r) {
  if (p.windows_done == 1) {
    print_eta(out, "kld", p);
    fmt::print(out,
               "\nchunk             PPL               ln(PPL(Q)/PPL(base))          KL "
               "Divergence              Δp RMS            Same top p\n");
  }
  fmt::print(out,
             "{:4}    {:9.4f} ± {:9.4f}    {:10.5f} ± {:10.5f}    {:10.5f} ± {:10.5f}    "
             "{:6.3f} ± {:6.3f} %    {:6.3f} ± {:6.3f} %\n",
             p.windows_done, r.ppl.value, r.ppl.uncertainty, r.ln_ppl_ratio.value,
             r.ln_ppl_ratio.uncertainty, r.kld.value, r.kld.uncertainty, 100 * r.rms_delta_p.value,
             100 * r.rms_delta_p.uncertainty, 100 * r.same_top.value, 100 * r.same_top.uncertainty);
  std::fflush(out);
}

void print_summary(const eval::KldResult& r) {
  fmt::print("\n====== Perplexity statistics ======\n");
  fmt::print("Mean PPL(Q)                   : {:10.6f} ± {:10.6f}\n", r.ppl.value,
             r.ppl.uncertainty);
  fmt::print("Mean PPL(base)                : {:10.6f} ± {:10.6f}\n", r.ppl_base.value,
             r.ppl_base.uncertainty);
  fmt::print("Cor(ln(PPL(Q)), ln(PPL(base))): {:6.2f}%\n", 100 * r.ppl_correlation);
  fmt::print("Mean ln(PPL(Q)/PPL(base))     : {:10.6f} ± {:10.6f}\n", r.ln_ppl_ratio.value,
             r.ln_ppl_ratio.uncertainty);
  fmt::print("Mean PPL(Q)/PPL(base)         : {:10.6f} ± {:10.6f}\n", r.ppl_ratio.value,
             r.ppl_ratio.uncertainty);
  fmt::print("Mean PPL(Q)-PPL(base)         : {:10.6f} ± {:10.6f}\n", r.ppl_diff.value,
             r.ppl_diff.uncertainty);
  fmt::print("\n====== KL divergence statistics (top {} + {} samples of the rest) ======\n",
             r.top_k, r.tail_samples);
  fmt::print("Mean    KLD: {:10.6f} ± {:10.6f}\n", r.kld.value, r.kld.uncertainty);
  const std::pair<const char*, double> kld[] = {
      {"Maximum", r.kld_max},  {"99.9%  ", r.kld_p999}, {"99.0%  ", r.kld_p99},
      {"95.0%  ", r.kld_p95},  {"90.0%  ", r.kld_p90},  {"Median ", r.kld_median},
      {"10.0%  ", r.kld_p10},  {" 5.0%  ", r.kld_p05},  {" 1.0%  ", r.kld_p01},
      {" 0.1%  ", r.kld_p001}, {"Minimum", r.kld_min}};
  for (const auto& [name, v] : kld) fmt::print("{} KLD: {:10.6f}\n", name, v);
  fmt::print("\n====== Token probability statistics ======\n");
  fmt::print("Mean    Δp: {:6.3f} ± {:5.3f} %\n", 100 * r.delta_p.value,
             100 * r.delta_p.uncertainty);
  const std::pair<const char*, double> dp[] = {
      {"Maximum", r.delta_p_max},    {"99.9%  ", r.delta_p_p999}, {"99.0%  ", r.delta_p_p99},
      {"95.0%  ", r.delta_p_p95},    {"90.0%  ", r.delta_p_p90},  {"75.0%  ", r.delta_p_p75},
      {"Median ", r.delta_p_median}, {"25.0%  ", r.delta_p_p25},  {"10.0%  ", r.delta_p_p10},
      {" 5.0%  ", r.delta_p_p05},    {" 1.0%  ", r.delta_p_p01},  {" 0.1%  ", r.delta_p_p001},
      {"Minimum", r.delta_p_min}};
  for (const auto& [name, v] : dp) fmt::print("{} Δp: {:6.3f}%\n", name, 100 * v);
  fmt::print("RMS Δp    : {:6.3f} ± {:5.3f} %\n", 100 * r.rms_delta_p.value,
             100 * r.rms_delta_p.uncertainty);
  fmt::print("Same top p: {:6.3f} ± {:5.3f} %\n", 100 * r.same_top.value,
             100 * r.same_top.uncertainty);
  fmt::print("\nkld: {} positions, {:.2f} s, {:.1f} tokens/s\n", r.n_positions, r.seconds,
             r.tokens_per_second);
}

void run(const KldFlags& f) {
  std::FILE* out = progress_stream(f.eval);
  const auto threads = std::make_shared<Threads>(f.eval.n_threads);
  eval::BaseLogProbs base;
  if (!f.base.empty()) {
    base = compute_base(f, threads, out);
  } else if (!f.base_logits.empty()) {
    if (!f.eval.text_file.empty()) {
      fail(
          "-f is for making the base file; with --base-logits alone the file's own text is "
          "used (give --base to make it again)");
    }
    base = load_base(f, out);
  } else {
    fail(
        "kld needs the base: --base BASE.gguf (and -f TEXT), or --base-logits FILE saved by "
        "an earlier run with --base");
  }
  const std::string path = resolve_model_path(f.eval.model);
  const auto model = Model::load(path, {.precision = f.eval.precision, .threads = threads});
  fmt::print(out, "kld: model {} ({} precision)\n", path, precision_name(f.eval.precision));
  std::fflush(out);
  const eval::KldResult r =
      eval::kl_divergence(model, base, run_options(f.eval, threads),
                          [out](const eval::Progress& p, const eval::KldResult& running) {
                            print_chunk(out, p, running);
                          });
  if (f.eval.json) {
    print_json(eval::kld_json(r, {.model = path,
                                  .model_bytes = eval::model_file_bytes(path),
                                  .text_file = base.text_file,
                                  .precision = f.eval.precision,
                                  .base_description = base.description,
                                  .base_logits = f.base_logits,
                                  .n_text_tokens = base.windows.n_text_tokens,
                                  .n_batch = f.eval.n_batch,
                                  .n_threads = int32_t(threads->size())}));
  } else {
    print_summary(r);
  }
}

}  // namespace

void add_eval_kld_command(CLI::App& eval) {
  auto flags = std::make_shared<KldFlags>();
  CLI::App* cmd = eval.add_subcommand(
      "kld", "KL divergence of a model's next-token distributions from a base model's");
  cmd->footer(
      "Scores the same windows as `yak eval perplexity`. The base's top-k log-probabilities\n"
      "per position (and the mass of the rest) are computed once; --base-logits FILE saves\n"
      "them (with --base) or reuses them (without). Prints llama.cpp's --kl-divergence\n"
      "figures; see docs/eval.md.\n"
      "Examples: yak eval kld -m q4.gguf --base f16.gguf -f wiki.test.raw --base-logits b.yakb\n"
      "          yak eval kld -m q2.gguf --base-logits b.yakb\n"
      "          yak eval kld -m X.gguf --base X.gguf --base-precision exact --precision fast -f "
      "T");
  CLI::Option* ctx = add_eval_flags(*cmd, flags->eval);
  cmd->add_option("--base", flags->base, "the base GGUF model the divergence is measured from");
  cmd->add_option("--base-logits", flags->base_logits,
                  "file of the base's log-probabilities: written when --base is given, else read");
  const std::map<std::string, Precision> names = {{"exact", Precision::kExact},
                                                  {"fast", Precision::kFast}};
  cmd->add_option("--base-precision", flags->base_precision,
                  "precision of the base model (exact | fast; default as --precision's default)")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
  cmd->add_option("--top-k", flags->top_k,
                  fmt::format("base tokens kept per position (default {})", eval::kDefaultTopK))
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--tail-samples", flags->tail_samples,
                  fmt::format("samples of the other tokens kept per position, for the rest's part "
                              "of the divergence (0: the rest counts as one token; default {})",
                              eval::kDefaultTailSamples))
      ->check(CLI::Range(0, 65536));
  cmd->callback([flags, ctx] {
    flags->ctx_given = ctx->count() > 0;
    run(*flags);
  });
}

}  // namespace yak::cli
