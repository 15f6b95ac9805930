// Time to pick one token from a full vocabulary of logits, for the default
// chain (top_k 40, top_p 0.95, min_p 0.05), top_p without top_k, and greedy.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "yak/sampler.h"

namespace {

std::vector<float> random_logits(int32_t n_vocab) {
  std::mt19937 gen(17);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> logits(n_vocab);
  for (float& l : logits) l = dist(gen);
  return logits;
}

void run(benchmark::State& state, yak::SamplingParams params) {
  const auto n_vocab = static_cast<int32_t>(state.range(0));
  const std::vector<float> logits = random_logits(n_vocab);
  params.seed = 1;
  yak::Sampler sampler(params, n_vocab);
  for (int32_t t = 0; t < 64; ++t) sampler.accept(t * 7);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample(logits));
}

void BM_SampleDefaults(benchmark::State& state) { run(state, {}); }

void BM_SampleDefaultsWithPenalties(benchmark::State& state) {
  yak::SamplingParams p;
  p.repeat_penalty = 1.1f;
  p.frequency_penalty = 0.1f;
  run(state, p);
}

void BM_SampleTopPOnly(benchmark::State& state) {
  yak::SamplingParams p;
  p.top_k = 0;
  p.min_p = 0.0f;
  run(state, p);
}

void BM_SampleGreedy(benchmark::State& state) {
  yak::SamplingParams p;
  p.temperature = 0.0f;
  run(state, p);
}

BENCHMARK(BM_SampleDefaults)->Arg(32000)->Arg(128256)->Arg(256000);
BENCHMARK(BM_SampleDefaultsWithPenalties)->Arg(32000)->Arg(128256);
BENCHMARK(BM_SampleTopPOnly)->Arg(32000)->Arg(128256);
BENCHMARK(BM_SampleGreedy)->Arg(32000)->Arg(128256);

}  // namespace

BENCHMARK_MAIN();
