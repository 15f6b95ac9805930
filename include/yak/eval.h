// Measuring a model's quality on a text: perplexity, and the KL divergence of its
// next-token distributions from a base model's, both scored as llama.cpp's
// `llama-perplexity` scores them so that the two tools' figures can be compared.
//
// The text is tokenized whole (BOS added as the model's tokenizer adds it) and cut into
// non-overlapping windows of n_ctx tokens; where the model adds BOS, each window's first
// token is replaced by BOS. Each window is evaluated from an empty cache, and only its
// second half is scored: the logits at positions j = n_ctx/2 .. n_ctx-2 predict tokens
// j+1, so a window scores n_ctx - 1 - n_ctx/2 tokens and each scored token has at least
// n_ctx/2 tokens of context.
//
//   auto model = yak::Model::load("model.gguf");
//   yak::eval::Windows w = yak::eval::make_windows(model->tokenizer(), text, {.n_ctx = 512});
//   yak::eval::PerplexityResult r = yak::eval::perplexity(model, w, {});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yak/engine.h"
#include "yak/threads.h"

namespace yak {

class Tokenizer;

namespace eval {

struct WindowOptions {
  int32_t n_ctx = 512;     // tokens per window
  int32_t max_chunks = 0;  // 0: every whole window of the text; else at most this many
};

// The windows of a text, exactly as they are fed to the model.
struct Windows {
  int32_t n_ctx = 0;
  int32_t n_chunks = 0;
  int64_t n_text_tokens = 0;    // the whole text's tokens (BOS included)
  std::vector<int32_t> tokens;  // n_chunks * n_ctx, first token of each window BOS-replaced

  int32_t first_scored() const { return n_ctx / 2; }
  int32_t scored_per_window() const { return n_ctx - 1 - n_ctx / 2; }
  int64_t n_scored() const { return int64_t{n_chunks} * scored_per_window(); }
  std::span<const int32_t> window(int32_t i) const {
    return std::span<const int32_t>(tokens).subspan(size_t(i) * n_ctx, n_ctx);
  }
};

// Throws yak::Error for an empty text, n_ctx < 4, or a text of fewer than 2 * n_ctx tokens
// (llama.cpp refuses those too).
Windows make_windows(const Tokenizer& tokenizer, std::string_view text,
                     const WindowOptions& options);

struct RunOptions {
  // Tokens per decode call. At least n_ctx: whole windows run together, n_batch / n_ctx
  // of them at a time; less: each window runs in pieces of n_batch (as llama.cpp's -b).
  int32_t n_batch = 2048;
  std::shared_ptr<Threads> threads;  // null: the context starts its own
  int32_t n_threads = 0;             // when threads is null; 0: one per core
};

// Called after each window is scored. Windows that run side by side finish their decode
// together, so `seconds` (since the first decode began) is when `windows_decoded` of them
// had been decoded, which may be more than have been scored.
struct Progress {
  int32_t windows_done = 0;
  int32_t windows_total = 0;
  int32_t windows_decoded = 0;
  double seconds = 0;
  double seconds_per_window() const { return windows_decoded ? seconds / windows_decoded : 0; }
  double eta_seconds() const { return seconds_per_window() * (windows_total - windows_decoded); }
};

// A mean with its standard error.
struct Estimate {
  double value = 0;
  double uncertainty = 0;
};

struct PerplexityResult {
  Estimate ppl;  // exp(mean NLL), uncertainty ppl * stderr(NLL) as llama.cpp gives it
  Estimate nll;  // mean negative log-likelihood (nats) per scored token
  int64_t n_scored = 0;
  int32_t n_chunks = 0;
  int32_t n_ctx = 0;
  int64_t n_text_tokens = 0;
  double seconds = 0;               // evaluating the windows (no load, no tokenizing)
  double tokens_per_second = 0;     // window tokens evaluated per second
  std::vector<double> running_ppl;  // the estimate after each window ([1], [2], ...)
};

using PerplexityProgress = std::function<void(const Progress&, double running_ppl)>;

PerplexityResult perplexity(std::shared_ptr<const Model> model, const Windows& windows,
                            const RunOptions& options, const PerplexityProgress& progress = {});

// A base model's next-token log-probabilities over the scored positions of some windows,
// kept compactly. Per position: the top_k most likely tokens with their log-probabilities
// (most likely first), then tail_samples tokens drawn from the other tokens in proportion to
// their probability (systematic sampling in id order from a start fixed by the position, so
// a token may repeat), the log of the mass of all the other tokens, and the log-probability
// of the token that follows (which need not be among them). The KL divergence sums the top
// k exactly and estimates the rest's part, rest mass x the mean of log(p/q) over the
// samples, without bias; with no samples the rest counts as one token (a lower bound).
// docs/eval.md measures both against the full distributions.
struct BaseLogProbs {
  Windows windows;
  int32_t n_vocab = 0;
  int32_t top_k = 0;
  int32_t tail_samples = 0;
  uint64_t vocab_hash = 0;  // vocabulary_hash() of the base model's tokenizer
  std::string description;  // the base model and precision, for messages
  std::string text_file;    // the text the windows were made from, as given to -f
  // Per scored position, in window order:
  std::vector<float> target_logprob;  // n_scored
  std::vector<float> rest_logmass;    // n_scored; -inf when the top k hold all the mass
  std::vector<int32_t> top_ids;       // n_scored * entries(): top k, then the tail samples
  std::vector<float> top_logprobs;    // n_scored * entries(); the top k descending

  int32_t entries() const { return top_k + tail_samples; }
  int64_t n_positions() const { return int64_t(target_logprob.size()); }
};

inline constexpr int32_t kDefaultTopK = 64;
inline constexpr int32_t kDefaultTailSamples = 256;

// FNV-1a over the token count and every token's text: equal for the same vocabulary.
uint64_t vocabulary_hash(const Tokenizer& tokenizer);

BaseLogProbs compute_base_logprobs(std::shared_ptr<const Model> base, const Windows& windows,
                                   int32_t top_k, int32_t tail_samples, const RunOptions& options,
                                   const std::function<void(const Progress&)>& progress = {});

// The base file (format in docs/eval.md). Both throw yak::Error naming the path and the
// problem; load refuses a file that is truncated, oversized, or holds values out of range.
void save_base_logprobs(const BaseLogProbs& base, const std::string& path);
BaseLogProbs load_base_logprobs(const std::string& path);

struct KldResult {
  int64_t n_positions = 0;
  int32_t n_chunks = 0;
  int32_t n_ctx = 0;
  int32_t top_k = 0;
  int32_t tail_samples = 0;
  Estimate ppl;                // the model's
  Estimate ppl_base;           // the base's
  double ppl_correlation = 0;  // of ln PPL(model) and ln PPL(base) (llama.cpp's Cor)
  Estimate ln_ppl_ratio;       // ln(PPL/PPL_base)
  Estimate ppl_ratio;          // PPL/PPL_base
  Estimate ppl_diff;           // PPL - PPL_base
  Estimate kld;                // mean KL(base || model), nats
  double kld_max = 0, kld_p999 = 0, kld_p99 = 0, kld_p95 = 0, kld_p90 = 0, kld_median = 0,
         kld_p10 = 0, kld_p05 = 0, kld_p01 = 0, kld_p001 = 0, kld_min = 0;
  // Δp: the model's probability of the correct token minus the base's.
  Estimate delta_p;  // mean
  Estimate rms_delta_p;
  double delta_p_max = 0, delta_p_p999 = 0, delta_p_p99 = 0, delta_p_p95 = 0, delta_p_p90 = 0,
         delta_p_p75 = 0, delta_p_median = 0, delta_p_p25 = 0, delta_p_p10 = 0, delta_p_p05 = 0,
         delta_p_p01 = 0, delta_p_p001 = 0, delta_p_min = 0;
  Estimate same_top;  // fraction of positions where both put the same token first
  double seconds = 0;
  double tokens_per_second = 0;
};

// The running figures after each window (no percentiles), for progress lines.
using KldProgress = std::function<void(const Progress&, const KldResult& running)>;

// Throws yak::Error when the model's vocabulary differs from the base's.
KldResult kl_divergence(std::shared_ptr<const Model> model, const BaseLogProbs& base,
                        const RunOptions& options, const KldProgress& progress = {});

}  // namespace eval
}  // namespace yak
