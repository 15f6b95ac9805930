#include "core/thread_pool.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace yak {
namespace {

// Runs once and returns how many times each index was called, checking that
// every call saw the pool's size.
std::vector<int> call_counts(ThreadPool& pool) {
  std::vector<std::atomic<int>> counts(pool.size());
  std::atomic<int> wrong_size{0};
  pool.run([&](int i, int n) {
    if (n != pool.size()) wrong_size.fetch_add(1);
    counts.at(i).fetch_add(1);
  });
  EXPECT_EQ(wrong_size.load(), 0);
  std::vector<int> out;
  for (auto& c : counts) out.push_back(c.load());
  return out;
}

TEST(ThreadPool, EveryIndexCalledExactlyOnce) {
  for (int n : {1, 2, 3, 4, 7}) {
    ThreadPool pool(n);
    EXPECT_EQ(pool.size(), n);
    EXPECT_EQ(call_counts(pool), std::vector<int>(n, 1)) << "threads=" << n;
  }
}

TEST(ThreadPool, CallerIsIndexZero) {
  ThreadPool pool(3);
  const auto caller = std::this_thread::get_id();
  std::vector<std::thread::id> ids(3);
  pool.run([&](int i, int) { ids[i] = std::this_thread::get_id(); });
  EXPECT_EQ(ids[0], caller);
  EXPECT_NE(ids[1], caller);
  EXPECT_NE(ids[2], caller);
  EXPECT_NE(ids[1], ids[2]);
}

TEST(ThreadPool, ManyRepeatedRunsSeeAllWrites) {
  ThreadPool pool(4);
  std::vector<int64_t> slots(4, 0);  // plain ints: run() must order them
  constexpr int kRuns = 20000;
  for (int r = 0; r < kRuns; ++r) pool.run([&](int i, int) { slots[i] += i + 1; });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(slots[i], int64_t{kRuns} * (i + 1));
}

TEST(ThreadPool, RunsAfterIdlePeriodsWakeSleepingWorkers) {
  // The sleeps outlast the spin time, so the workers block and must be woken.
  ThreadPool pool(3);
  for (int r = 0; r < 5; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    EXPECT_EQ(call_counts(pool), std::vector<int>(3, 1));
  }
}

TEST(ThreadPool, CallerWaitsForSlowWorkers) {
  // A worker's share outlasts the caller's spin, so the caller must block and be woken.
  ThreadPool pool(2);
  std::atomic<bool> finished{false};
  pool.run([&](int i, int) {
    if (i == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      finished.store(true);
    }
  });
  EXPECT_TRUE(finished.load());
}

TEST(ThreadPool, MoreThreadsThanCores) {
  const int n = default_thread_count() * 4 + 1;
  ThreadPool pool(n);
  for (int r = 0; r < 200; ++r) ASSERT_EQ(call_counts(pool), std::vector<int>(n, 1));
}

TEST(ThreadPool, WorkerExceptionIsRethrownAndPoolStaysUsable) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.run([](int i, int) {
    if (i == 2) throw std::runtime_error("worker failed");
  }),
               std::runtime_error);
  EXPECT_EQ(call_counts(pool), std::vector<int>(3, 1));
}

TEST(ThreadPool, CallerExceptionWaitsForWorkersThenRethrows) {
  ThreadPool pool(2);
  std::atomic<bool> worker_done{false};
  try {
    pool.run([&](int i, int) {
      if (i == 0) throw Error("caller failed");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      worker_done.store(true);
    });
    FAIL() << "run() did not rethrow";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "caller failed");
  }
  EXPECT_TRUE(worker_done.load());
}

TEST(ThreadPool, LowestIndexExceptionWinsWhenSeveralThrow) {
  ThreadPool pool(4);
  try {
    pool.run([](int i, int) {
      if (i >= 1) throw std::runtime_error("from " + std::to_string(i));
    });
    FAIL() << "run() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "from 1");
  }
  // A second failing run must not report the first run's exceptions.
  try {
    pool.run([](int i, int) {
      if (i == 3) throw std::runtime_error("only 3");
    });
    FAIL() << "run() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "only 3");
  }
}

TEST(ThreadPool, SingleThreadRunsOnCaller) {
  ThreadPool pool(1);
  const auto caller = std::this_thread::get_id();
  int calls = 0;
  pool.run([&](int i, int n) {
    EXPECT_EQ(i, 0);
    EXPECT_EQ(n, 1);
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_THROW(pool.run([](int, int) { throw std::runtime_error("x"); }), std::runtime_error);
}

TEST(ThreadPool, RejectsBadThreadCounts) {
  EXPECT_THROW(ThreadPool(0), Error);
  EXPECT_THROW(ThreadPool(-3), Error);
  EXPECT_THROW(ThreadPool(1 << 20), Error);
}

TEST(ThreadPool, NestedRunIsReportedNotDeadlocked) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.run([&](int i, int) {
    if (i == 0) pool.run([](int, int) {});
  }),
               Error);
  EXPECT_EQ(call_counts(pool), std::vector<int>(2, 1));
}

TEST(ThreadPool, DestroyWithoutRunAndRightAfterRun) {
  for (int r = 0; r < 50; ++r) {
    ThreadPool idle(3);
  }
  for (int r = 0; r < 50; ++r) {
    ThreadPool pool(3);
    std::atomic<int> calls{0};
    pool.run([&](int, int) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), 3);
  }
}

// Checks parallel_for's contract: the ranges tile [0, n) in order, there is at
// most one per thread, and every range but the last is a multiple of grain.
void check_parallel_for(ThreadPool& pool, int64_t n, int64_t grain) {
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<std::atomic<int>> hits(n);
  pool.parallel_for(n, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
    std::lock_guard lock(mutex);
    ranges.emplace_back(begin, end);
  });
  SCOPED_TRACE("n=" + std::to_string(n) + " grain=" + std::to_string(grain) +
               " threads=" + std::to_string(pool.size()));
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
  if (n == 0) {
    EXPECT_TRUE(ranges.empty());
    return;
  }
  std::sort(ranges.begin(), ranges.end());
  EXPECT_LE(static_cast<int64_t>(ranges.size()), pool.size());
  EXPECT_EQ(static_cast<int64_t>(ranges.size()),
            std::min<int64_t>(pool.size(), (n + grain - 1) / grain));
  int64_t expect_begin = 0;
  for (size_t r = 0; r < ranges.size(); ++r) {
    EXPECT_EQ(ranges[r].first, expect_begin);
    EXPECT_LT(ranges[r].first, ranges[r].second);
    if (r + 1 < ranges.size()) {
      EXPECT_EQ((ranges[r].second - ranges[r].first) % grain, 0);
    }
    expect_begin = ranges[r].second;
  }
  EXPECT_EQ(expect_begin, n);
}

TEST(ThreadPool, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 31, 64, 100, 1001}) {
      for (int64_t grain : {1, 2, 3, 16, 1000, 5000}) check_parallel_for(pool, n, grain);
    }
  }
}

TEST(ThreadPool, ParallelForBalancesBlocks) {
  ThreadPool pool(4);
  std::mutex mutex;
  std::vector<int64_t> sizes;
  pool.parallel_for(10 * 8, 8, [&](int64_t begin, int64_t end) {
    std::lock_guard lock(mutex);
    sizes.push_back(end - begin);
  });
  // 10 blocks over 4 threads: 2 or 3 blocks each, never 1 and 4.
  ASSERT_EQ(sizes.size(), 4u);
  for (int64_t s : sizes) EXPECT_TRUE(s == 16 || s == 24) << s;
}

TEST(ThreadPool, ParallelForRejectsBadArguments) {
  ThreadPool pool(2);
  auto nothing = [](int64_t, int64_t) {};
  EXPECT_THROW(pool.parallel_for(-1, 1, nothing), Error);
  EXPECT_THROW(pool.parallel_for(10, 0, nothing), Error);
  EXPECT_THROW(pool.parallel_for(10, -4, nothing), Error);
}

TEST(ThreadPool, ParallelForPropagatesExceptions) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.parallel_for(300, 1,
                                 [](int64_t begin, int64_t) {
                                   if (begin > 0) throw Error("range failed");
                                 }),
               Error);
}

TEST(ThreadPool, ForEachDynamicCallsEveryItemOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1001}) {
      std::vector<std::atomic<int>> calls(static_cast<size_t>(n));
      pool.for_each_dynamic(n, [&](int64_t i) { calls[static_cast<size_t>(i)]++; });
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(calls[static_cast<size_t>(i)].load(), 1) << i;
    }
  }
}

TEST(ThreadPool, ForEachDynamicMovesWorkAwayFromAStalledThread) {
  ThreadPool pool(2);
  std::mutex mutex;
  std::map<std::thread::id, int> items_of_thread;
  std::thread::id stalled_thread;
  pool.for_each_dynamic(100, [&](int64_t) {
    // The first item stalls its thread, as when the thread's core is taken
    // away; the other thread should do (nearly) all the rest meanwhile.
    bool stall = false;
    {
      std::lock_guard lock(mutex);
      ++items_of_thread[std::this_thread::get_id()];
      if (stalled_thread == std::thread::id()) {
        stalled_thread = std::this_thread::get_id();
        stall = true;
      }
    }
    if (stall) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  ASSERT_EQ(items_of_thread.size(), 2u);
  int total = 0;
  for (const auto& [id, items] : items_of_thread) total += items;
  EXPECT_EQ(total, 100);
  EXPECT_LT(items_of_thread[stalled_thread], 50);
}

TEST(ThreadPool, ForEachDynamicRejectsNegativeCountsAndPropagatesExceptions) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.for_each_dynamic(-1, [](int64_t) {}), Error);
  EXPECT_THROW(pool.for_each_dynamic(300,
                                     [](int64_t i) {
                                       if (i == 150) throw Error("item failed");
                                     }),
               Error);
  int64_t sum = 0;
  pool.for_each_dynamic(1, [&](int64_t i) { sum += i + 1; });  // still usable
  EXPECT_EQ(sum, 1);
}

TEST(ThreadPool, DefaultThreadCountMatchesAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_EQ(default_thread_count(), std::max(CPU_COUNT(&set), 1));
  EXPECT_GE(default_thread_count(), 1);
}

}  // namespace
}  // namespace yak
