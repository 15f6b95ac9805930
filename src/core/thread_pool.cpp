#include "core/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.h"

namespace yak {
namespace {

// Far more than any machine we target; a larger request is a typo, not a plan.
constexpr int kMaxThreads = 1024;
// How long an idle thread polls before it sleeps. A forward pass issues its
// parallel sections microseconds apart, so this covers the gaps inside a pass;
// the gap between tokens (sampling, I/O) is usually longer and ends in a sleep.
constexpr auto kSpinTime = std::chrono::microseconds(200);
// Polls between looks at the clock and yields of the core (both cost more than a pause).
constexpr int kPollsPerCheck = 64;
constexpr size_t kCacheLine = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// Polls `done` until it returns true or the spin time is over. The poller
// yields its core now and then: when cores are busy (other processes, more
// threads than cores), the thread it waits for may be queued on this very
// core, and pure spinning measured ~800 us per empty run() on a loaded 2-core
// machine against ~10 us with the yields.
template <typename Done>
bool spin_until(Done done) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % kPollsPerCheck == 0) {
      std::this_thread::yield();
      if (std::chrono::steady_clock::now() - start > kSpinTime) return false;
    }
  }
}

}  // namespace

// Protocol: run() publishes the task, then bumps `generation`; a worker that
// sees a new generation runs its share and decrements `pending`. Sleepers are
// counted so the fast path (everyone still spinning) never touches the mutex.
// The counter and the value it guards are both seq_cst, so of "sleeper
// registers, then rechecks" and "publisher bumps, then checks for sleepers",
// at least one side sees the other and no wake-up is lost.
struct ThreadPool::State {
  using Task = std::function<void(int, int)>;

  alignas(kCacheLine) std::atomic<uint64_t> generation{0};
  alignas(kCacheLine) std::atomic<int> pending{0};
  alignas(kCacheLine) std::atomic<int> sleeping_workers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> busy{false};  // catches nested or concurrent run()

  // for_each_dynamic's per-thread shares of items: [next, end), claimed by
  // fetch_add on `next` (which may run past `end`).
  struct alignas(kCacheLine) Share {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  std::unique_ptr<Share[]> shares;

  const Task* task = nullptr;              // valid while a run() is in flight
  std::vector<std::exception_ptr> errors;  // one slot per thread
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable work_done;
  std::vector<std::thread> workers;

  void worker_loop(int index, int n_threads);
  uint64_t wait_for_work(uint64_t seen);
  void finish_share();
  void publish(const Task& fn);
  void wait_until_done();
  void shutdown();
};

uint64_t ThreadPool::State::wait_for_work(uint64_t seen) {
  uint64_t now = seen;
  auto changed = [&] {
    now = generation.load(std::memory_order_acquire);
    return now != seen;
  };
  if (spin_until(changed)) return now;
  std::unique_lock lock(mutex);
  sleeping_workers.fetch_add(1, std::memory_order_seq_cst);
  while ((now = generation.load(std::memory_order_seq_cst)) == seen) work_ready.wait(lock);
  sleeping_workers.fetch_sub(1, std::memory_order_relaxed);
  return now;
}

void ThreadPool::State::finish_share() {
  if (pending.fetch_sub(1, std::memory_order_seq_cst) != 1) return;
  if (caller_sleeping.load(std::memory_order_seq_cst)) {
    // Taking the lock orders this notify after the caller's wait has begun.
    { std::lock_guard lock(mutex); }
    work_done.notify_one();
  }
}

void ThreadPool::State::worker_loop(int index, int n_threads) {
  uint64_t seen = 0;
  while (true) {
    seen = wait_for_work(seen);
    if (stop.load(std::memory_order_acquire)) return;
    try {
      (*task)(index, n_threads);
    } catch (...) {
      errors[index] = std::current_exception();
    }
    finish_share();
  }
}

void ThreadPool::State::publish(const Task& fn) {
  task = &fn;
  pending.store(static_cast<int>(workers.size()), std::memory_order_relaxed);
  generation.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_workers.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard lock(mutex); }
    work_ready.notify_all();
  }
}

void ThreadPool::State::wait_until_done() {
  auto done = [&] { return pending.load(std::memory_order_acquire) == 0; };
  if (spin_until(done)) return;
  std::unique_lock lock(mutex);
  caller_sleeping.store(true, std::memory_order_seq_cst);
  while (pending.load(std::memory_order_seq_cst) != 0) work_done.wait(lock);
  caller_sleeping.store(false, std::memory_order_relaxed);
}

void ThreadPool::State::shutdown() {
  stop.store(true, std::memory_order_release);
  generation.fetch_add(1, std::memory_order_seq_cst);
  { std::lock_guard lock(mutex); }
  work_ready.notify_all();
  for (std::thread& t : workers) t.join();
  workers.clear();
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads), state_(std::make_unique<State>()) {
  if (n_threads < 1 || n_threads > kMaxThreads)
    fail("thread count must be between 1 and {}, got {}", kMaxThreads, n_threads);
  State& s = *state_;
  s.errors.resize(n_threads);
  s.shares = std::make_unique<State::Share[]>(static_cast<size_t>(n_threads));
  s.workers.reserve(n_threads - 1);
  for (int i = 1; i < n_threads; ++i) {
    try {
      s.workers.emplace_back([&s, i, n_threads] { s.worker_loop(i, n_threads); });
    } catch (const std::system_error& e) {
      s.shutdown();  // the destructor will not run: join what was started
      fail("could not start thread {} of {}: {}", i, n_threads, e.what());
    }
  }
}

ThreadPool::~ThreadPool() { state_->shutdown(); }

void ThreadPool::run(const std::function<void(int thread_index, int n_threads)>& fn) {
  State& s = *state_;
  if (s.busy.exchange(true, std::memory_order_acquire))
    fail("ThreadPool::run called while the pool is already running (nested or concurrent call)");
  struct Release {
    std::atomic<bool>& busy;
    ~Release() { busy.store(false, std::memory_order_release); }
  } release{s.busy};

  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  s.publish(fn);
  try {
    fn(0, n_threads_);
  } catch (...) {
    s.errors[0] = std::current_exception();
  }
  s.wait_until_done();
  s.task = nullptr;
  // Rethrow the lowest-indexed failure; clear every slot for the next run.
  std::exception_ptr first;
  for (std::exception_ptr& e : s.errors) {
    if (e && !first) first = e;
    e = nullptr;
  }
  if (first) std::rethrow_exception(first);
}

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t begin, int64_t end)>& fn) {
  if (n < 0) fail("parallel_for: negative range size {}", n);
  if (grain < 1) fail("parallel_for: grain must be at least 1, got {}", grain);
  if (n == 0) return;
  const int64_t blocks = (n + grain - 1) / grain;
  const int64_t chunks = std::min<int64_t>(blocks, n_threads_);
  if (chunks == 1) {
    fn(0, n);
    return;
  }
  // Thread t takes blocks [t*blocks/chunks, (t+1)*blocks/chunks): sizes differ by at most 1.
  run([&](int t, int) {
    if (t >= chunks) return;
    const int64_t first_block = t * blocks / chunks;
    const int64_t end_block = (t + 1) * blocks / chunks;
    fn(first_block * grain, std::min(end_block * grain, n));
  });
}

void ThreadPool::for_each_dynamic(int64_t n, const std::function<void(int64_t item)>& fn) {
  if (n < 0) fail("for_each_dynamic: negative item count {}", n);
  if (n == 0) return;
  if (n == 1 || n_threads_ == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  // Each thread starts on a contiguous share of the items, claimed one at a
  // time from a counter no other thread touches until the share runs low, so
  // a claim seldom moves a cache line between cores and each thread streams
  // through adjacent items (the prefetchers' friend). A thread whose share is
  // done claims from the others' (in turn from the next thread on), so a slow
  // thread's last items go to whoever is free.
  State& s = *state_;
  for (int t = 0; t < n_threads_; ++t) {
    s.shares[t].next.store(t * n / n_threads_, std::memory_order_relaxed);
    s.shares[t].end = (t + 1) * n / n_threads_;
  }
  run([&](int self, int threads) {
    for (int k = 0; k < threads; ++k) {
      State::Share& share = s.shares[(self + k) % threads];
      for (int64_t i = share.next.fetch_add(1, std::memory_order_relaxed); i < share.end;
           i = share.next.fetch_add(1, std::memory_order_relaxed))
        fn(i);
    }
  });
}

int default_thread_count() {
  // The affinity mask (taskset, cgroups cpusets) is what this process may use,
  // which can be far fewer CPUs than the machine has.
  for (int n_cpus = CPU_SETSIZE; n_cpus <= (1 << 16); n_cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(n_cpus);
    if (set == nullptr) break;
    const size_t bytes = CPU_ALLOC_SIZE(n_cpus);
    CPU_ZERO_S(bytes, set);
    const int rc = sched_getaffinity(0, bytes, set);
    const int count = rc == 0 ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (rc == 0) return std::max(count, 1);
    if (errno != EINVAL) break;  // EINVAL: the mask is larger than our set; retry bigger
  }
  return static_cast<int>(std::max(std::thread::hardware_concurrency(), 1u));
}

}  // namespace yak
