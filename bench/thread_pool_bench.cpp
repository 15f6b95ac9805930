// The costs the thread pool adds to a forward pass: the round trip of an
// empty run() (paid thousands of times per token), the wake-up after the
// workers have gone to sleep, and parallel_for over a memory-bound loop.
#include <benchmark/benchmark.h>

#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace {

void BM_EmptyRun(benchmark::State& state) {
  yak::ThreadPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) pool.run([](int, int) {});
  state.counters["threads"] = pool.size();
}
BENCHMARK(BM_EmptyRun)->Arg(1)->Arg(2)->Arg(4)->UseRealTime();

// run() after an idle gap longer than the spin time: the workers are asleep
// and must be woken through the condition variable.
void BM_RunAfterSleep(benchmark::State& state) {
  yak::ThreadPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto start = std::chrono::steady_clock::now();
    pool.run([](int, int) {});
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}
BENCHMARK(BM_RunAfterSleep)->Arg(2)->Arg(4)->UseManualTime()->Iterations(300);

void BM_ParallelForSum(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t n = state.range(1);
  yak::ThreadPool pool(threads);
  std::vector<float> data(n, 1.0f);
  std::vector<double> partial(threads * 16, 0.0);  // 16 doubles apart: no false sharing
  for (auto _ : state) {
    pool.run([&](int t, int nt) {
      const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
      partial[t * 16] = std::accumulate(data.begin() + begin, data.begin() + end, 0.0);
    });
    benchmark::DoNotOptimize(partial.data());
  }
  state.SetBytesProcessed(state.iterations() * n * static_cast<int64_t>(sizeof(float)));
}
BENCHMARK(BM_ParallelForSum)->Args({1, 1 << 20})->Args({2, 1 << 20})->UseRealTime();

void BM_ParallelForGrain(benchmark::State& state) {
  yak::ThreadPool pool(static_cast<int>(state.range(0)));
  const int64_t n = 4096;
  std::vector<int32_t> out(n);
  for (auto _ : state) {
    pool.parallel_for(n, 64, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = static_cast<int32_t>(i * 3);
    });
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ParallelForGrain)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
