// One persistent pool of worker threads for the whole engine. Work is handed
// out as "run this function on every thread"; workers spin briefly before they
// sleep, since a forward pass issues thousands of short parallel sections and
// waking a sleeping thread costs more than most of them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace yak {

class ThreadPool {
 public:
  // `n_threads` counts the calling thread, which always takes part as index 0.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) once on each thread and returns when all
  // calls have returned. An exception thrown by any call is rethrown here.
  // Not reentrant: fn must not call run() on the same pool.
  void run(const std::function<void(int thread_index, int n_threads)>& fn);

  // Splits [0, n) into contiguous ranges, at most one per thread, each a
  // multiple of `grain` long (except the last), and calls fn(begin, end) for each.
  void parallel_for(int64_t n, int64_t grain,
                    const std::function<void(int64_t begin, int64_t end)>& fn);

  // Calls fn(i) for every i in [0, n). Each thread works through its own
  // contiguous share in order, then takes items left in the others' shares,
  // so no thread idles while another has work queued. For uneven items, and
  // for machines whose cores do not all run at full speed (shared hosts).
  void for_each_dynamic(int64_t n, const std::function<void(int64_t item)>& fn);

 private:
  struct State;
  int n_threads_;
  std::unique_ptr<State> state_;
};

// Threads to use when the user does not say: the CPUs this process may run on.
int default_thread_count();

}  // namespace yak
