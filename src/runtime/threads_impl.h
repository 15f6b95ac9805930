// What a yak::Threads holds: the pool, and the turn that its users take on it (the pool
// runs one job at a time, and contexts on different threads may share it).
#pragma once

#include <mutex>

#include "core/thread_pool.h"
#include "yak/threads.h"

namespace yak {

struct Threads::Impl {
  explicit Impl(int n) : pool(n) {}
  ThreadPool pool;
  std::mutex turn;  // held for a whole load or forward pass
};

}  // namespace yak
