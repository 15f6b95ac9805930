#include "yak/threads.h"

#include "runtime/threads_impl.h"
#include "yak/error.h"

namespace yak {

Threads::Threads(int32_t n_threads) {
  if (n_threads < 0 || n_threads > 1024)
    fail("thread count {} is out of range [0, 1024]", n_threads);
  impl_ = std::make_unique<Impl>(n_threads > 0 ? n_threads : default_thread_count());
}

Threads::~Threads() = default;

int32_t Threads::size() const { return impl_->pool.size(); }

}  // namespace yak
