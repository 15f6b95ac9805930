// `yak bench`: measure prefill speed, decode speed and time to first token of a model,
// the way llama.cpp's llama-bench measures them, so the numbers compare
// (bench/compare-cpu runs both).
//
// One repetition = prefill p tokens into an empty sequence (one batch, logits only for the
// last token), then decode n tokens one at a time, each the greedy (argmax) choice of the
// previous logits. An untimed warm-up comes first, as in llama-bench (the full prefill and one
// decode step), so page faults on the mapped weights and first-use allocations are not
// measured.
#include <fmt/core.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/precision_flag.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/model_file.h"
#include "yak/sampler.h"
#include "yak/text.h"
#include "yak/tokenizer.h"

namespace yak::cli {
namespace {

struct BenchFlags {
  Precision precision = Precision::kDefault;
  std::string model;
  int32_t n_prompt = 512;
  int32_t n_gen = 128;
  int32_t n_threads = 0;
  int32_t reps = 5;
  int32_t batch_size = 512;
  std::string tokens = "random";
  uint64_t seed = 42;
  bool json = false;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the weights cost: bytes in the file, and bytes a decode step reads. A decode step
// reads every weight matrix once, except the token embedding, of which it reads one row;
// when the model has no output.weight the embedding doubles as the output matrix and is
// read whole after all.
struct WeightStats {
  uint64_t file_bytes = 0;
  uint64_t decode_read_bytes = 0;
  int64_t n_params = 0;
  std::string main_type;  // the type holding the most bytes, e.g. "Q4_1"
};

WeightStats weight_stats(const std::string& path) {
  const ModelFile file = ModelFile::open(path);
  const bool tied = !file.has_tensor("output.weight");
  WeightStats s;
  std::map<std::string, uint64_t> bytes_by_type;
  for (const TensorEntry& t : file.tensors()) {
    s.file_bytes += t.bytes;
    s.n_params += t.elements;
    if (t.name != "token_embd.weight" || tied) s.decode_read_bytes += t.bytes;
    bytes_by_type[t.type_name] += t.bytes;
  }
  uint64_t best = 0;
  for (const auto& [type, bytes] : bytes_by_type) {
    if (bytes > best) best = bytes, s.main_type = type;
  }
  return s;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Enough tokens for the prompt plus a first decode token when there is no prompt.
// "random": ids drawn uniformly (fixed seed) from the tokens of normal type, as
// llama-bench draws random ids. "text": a fixed English text, tokenized and repeated.
std::vector<int32_t> make_tokens(const Tokenizer& tok, const BenchFlags& f) {
  const size_t want = static_cast<size_t>(std::max(f.n_prompt, 1));
  std::vector<int32_t> out;
  if (f.tokens == "random") {
    std::vector<int32_t> normal;
    for (int32_t id = 0; id < tok.n_vocab(); ++id)
      if (tok.token_type(id) == TokenType::kNormal) normal.push_back(id);
    if (normal.empty()) fail("the vocabulary has no tokens of normal type to draw from");
    uint64_t state = f.seed;
    while (out.size() < want) out.push_back(normal[splitmix64(state) % normal.size()]);
    return out;
  }
  static constexpr const char* kText =
      "The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins "
      "with a single step. In the beginning the universe was created; this has made a lot "
      "of people very angry and been widely regarded as a bad move. ";
  const std::vector<int32_t> first = tok.encode(kText, /*add_special=*/true);
  const std::vector<int32_t> more = tok.encode(kText, /*add_special=*/false);
  if (first.empty() || more.empty()) fail("the benchmark text tokenizes to nothing");
  out = first;
  while (out.size() < want) out.insert(out.end(), more.begin(), more.end());
  out.resize(want);
  return out;
}

struct RepTimes {
  double prefill = 0;      // seconds for the p-token batch
  double decode = 0;       // seconds for the n single-token steps
  double first_token = 0;  // seconds of the first decode step
};

RepTimes run_once(Context& ctx, SequenceId seq, Sampler& greedy,
                  const std::vector<int32_t>& tokens, const BenchFlags& f, int32_t n_gen) {
  ctx.clear_sequence(seq);
  RepTimes t;
  Batch batch;
  int32_t next = tokens[0];
  if (f.n_prompt > 0) {
    for (int32_t i = 0; i < f.n_prompt; ++i) batch.add(tokens[i], i, seq, i + 1 == f.n_prompt);
    const auto start = Clock::now();
    ctx.decode(batch);
    next = greedy.sample(ctx.logits(0));
    t.prefill = seconds_since(start);
  }
  const auto start = Clock::now();
  for (int32_t i = 0; i < n_gen; ++i) {
    batch.clear();
    batch.add(next, f.n_prompt + i, seq, true);
    ctx.decode(batch);
    next = greedy.sample(ctx.logits(0));
    if (i == 0) t.first_token = seconds_since(start);
  }
  t.decode = seconds_since(start);
  return t;
}

struct Stats {
  double mean = 0;
  double stddev = 0;  // sample standard deviation; 0 for one sample
};

Stats stats_of(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(v.size() - 1));
  }
  return s;
}

struct TestResult {
  std::string test;  // "pp512", "tg128", "ttft"
  int32_t n_prompt = 0;
  int32_t n_gen = 0;
  std::vector<double> seconds;  // per repetition
  int32_t n_tokens = 0;         // tokens the seconds cover (0 for ttft)
};

uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

nlohmann::json to_json(const TestResult& r, const BenchFlags& f, const ModelInfo& info,
                       const WeightStats& w, int32_t n_threads) {
  std::vector<double> ns, ts;
  for (double s : r.seconds) {
    ns.push_back(s * 1e9);
    if (r.n_tokens > 0) ts.push_back(r.n_tokens / s);
  }
  const Stats sns = stats_of(ns);
  nlohmann::json j = {{"engine", "yak"},
                      {"model_path", info.path},
                      {"model_name", info.name},
                      {"model_type", w.main_type},
                      {"model_size", w.file_bytes},
                      {"model_n_params", w.n_params},
                      {"decode_read_bytes", w.decode_read_bytes},
                      {"n_threads", n_threads},
                      {"n_batch", f.batch_size},
                      {"tokens", f.tokens},
                      {"test", r.test},
                      {"n_prompt", r.n_prompt},
                      {"n_gen", r.n_gen},
                      {"samples_ns", ns},
                      {"avg_ns", sns.mean},
                      {"stddev_ns", sns.stddev},
                      {"peak_rss_bytes", peak_rss_bytes()}};
  if (!ts.empty()) {
    const Stats sts = stats_of(ts);
    j["samples_ts"] = ts;
    j["avg_ts"] = sts.mean;
    j["stddev_ts"] = sts.stddev;
  }
  return j;
}

void print_table(const std::vector<TestResult>& results, const BenchFlags& f, const ModelInfo& info,
                 const WeightStats& w, int32_t n_threads) {
  fmt::print("yak bench: {} ({}, {} params)\n",
             escape_for_terminal(info.name.empty() ? info.path : info.name), w.main_type,
             w.n_params);
  fmt::print(
      "weights {:.1f} MiB in the file, {:.1f} MiB read per decode step | {} threads | "
      "{} prompt tokens | {} repetitions after a warm-up\n",
      w.file_bytes / 1048576.0, w.decode_read_bytes / 1048576.0, n_threads,
      f.tokens == "random" ? "random" : "text", f.reps);
  fmt::print("| {:<6} | {:>20} | {:>20} |\n", "test", "tokens/s", "ms");
  fmt::print("| {:-<6} | {:->20} | {:->20} |\n", "", "", "");
  for (const TestResult& r : results) {
    std::vector<double> ms, ts;
    for (double s : r.seconds) {
      ms.push_back(s * 1e3);
      if (r.n_tokens > 0) ts.push_back(r.n_tokens / s);
    }
    const Stats sms = stats_of(ms);
    std::string tps = "-";
    if (!ts.empty()) {
      const Stats sts = stats_of(ts);
      tps = fmt::format("{:.2f} ± {:.2f}", sts.mean, sts.stddev);
    }
    fmt::print("| {:<6} | {:>20} | {:>20} |\n", r.test, tps,
               fmt::format("{:.2f} ± {:.2f}", sms.mean, sms.stddev));
  }
  fmt::print("ttft = prefill of {} tokens + the first decode step; peak RSS {:.1f} MiB\n",
             f.n_prompt, peak_rss_bytes() / 1048576.0);
}

void bench(const BenchFlags& f) {
  if (f.n_prompt == 0 && f.n_gen == 0) fail("nothing to measure: -p and -n are both 0");
  const std::string path = resolve_model_path(f.model);
  const auto threads = std::make_shared<Threads>(f.n_threads);
  const auto model = Model::load(path, {.precision = f.precision, .threads = threads});
  const WeightStats w = weight_stats(path);
  const std::vector<int32_t> tokens = make_tokens(model->tokenizer(), f);

  ContextOptions options;
  options.threads = threads;
  options.context_size = std::max(f.n_prompt + f.n_gen + 1, 64);
  options.max_batch_tokens = f.batch_size;
  Context ctx(model, options);
  const SequenceId seq = ctx.add_sequence();
  if (!ctx.has_room(seq, f.n_prompt + f.n_gen))
    fail("{} prompt + {} generated tokens do not fit in the context", f.n_prompt, f.n_gen);

  // Greedy, as generation at temperature 0 runs it (llama-bench reads no logits).
  SamplingParams greedy_params;
  greedy_params.temperature = 0.0f;
  Sampler greedy(greedy_params, model->info().n_vocab);
  run_once(ctx, seq, greedy, tokens, f, std::min(f.n_gen, 1));  // warm-up
  TestResult pp{fmt::format("pp{}", f.n_prompt), f.n_prompt, 0, {}, f.n_prompt};
  TestResult tg{fmt::format("tg{}", f.n_gen), 0, f.n_gen, {}, f.n_gen};
  TestResult ttft{"ttft", f.n_prompt, 1, {}, 0};
  for (int32_t r = 0; r < f.reps; ++r) {
    const RepTimes t = run_once(ctx, seq, greedy, tokens, f, f.n_gen);
    pp.seconds.push_back(t.prefill);
    tg.seconds.push_back(t.decode);
    ttft.seconds.push_back(t.prefill + t.first_token);
  }
  std::vector<TestResult> results;
  if (f.n_prompt > 0) results.push_back(pp);
  if (f.n_gen > 0) results.push_back(tg);
  if (f.n_prompt > 0 && f.n_gen > 0) results.push_back(ttft);

  if (f.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const TestResult& r : results)
      all.push_back(to_json(r, f, model->info(), w, ctx.n_threads()));
    // model_name is the file's general.name, not always UTF-8: invalid bytes become U+FFFD.
    fmt::print("{}\n", all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_table(results, f, model->info(), w, ctx.n_threads());
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure prefill and decode speed and time to first token (like llama-bench)");
  cmd->footer(
      "Each repetition prefills -p tokens into an empty sequence as one batch, then decodes\n"
      "-n tokens one at a time, each the argmax of the previous logits. An untimed warm-up\n"
      "(the prefill and one decode step, as in llama-bench) comes first. Reports tokens/s\n"
      "(mean and sample stddev) of both phases and ttft = prefill time + the first decode\n"
      "step. Prints a table, or with --json an array with one object per test (pp<P>,\n"
      "tg<N>, ttft) in llama-bench's field names (samples_ns, samples_ts, avg_ts,\n"
      "stddev_ts, ...) plus model_size (weight bytes in the file), decode_read_bytes\n"
      "(weight bytes one decode step reads: all but the token embedding, unless it doubles\n"
      "as the output matrix) and peak_rss_bytes.\n"
      "Example: yak bench -m model.gguf -p 512 -n 128 -t 2 -r 3 --json");
  add_precision_flag(*cmd, flags->precision);
  cmd->add_option("-m,--model", flags->model,
                  "GGUF model file (default: the bundled SmolLM2-135M-Instruct)");
  cmd->add_option("-p,--n-prompt", flags->n_prompt, "Prompt tokens to prefill (0: none)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-n,--n-gen", flags->n_gen, "Tokens to decode after the prompt (0: none)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-t,--threads", flags->n_threads, "Threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("-r,--repetitions", flags->reps, "Timed repetitions")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("-b,--batch-size", flags->batch_size,
                  "Tokens per forward pass in prefill (a longer prompt runs in pieces)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--tokens", flags->tokens,
                  "Prompt tokens: 'random' (ids of normal tokens drawn with --seed, as "
                  "llama-bench does) or 'text' (a fixed English text, repeated)")
      ->check(CLI::IsMember({"random", "text"}));
  cmd->add_option("--seed", flags->seed, "Seed of the random prompt tokens");
  cmd->add_flag("--json", flags->json, "Print a JSON array, one object per test");
  cmd->callback([flags] { bench(*flags); });
}

}  // namespace yak::cli
