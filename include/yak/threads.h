// The worker threads that run a model's kernels. Start one per process and hand it to
// Model::load and to every Context: they then share the same workers, taking turns (one
// load or forward pass at a time), instead of each starting threads of its own that would
// fight over the same cores.
//
//   auto threads = std::make_shared<yak::Threads>(4);
//   auto model = yak::Model::load(path, {.threads = threads});
//   yak::Context a(model, {.threads = threads}), b(model, {.threads = threads});
#pragma once

#include <cstdint>
#include <memory>

namespace yak {

class Threads {
 public:
  // n_threads counts the calling thread, which always works too; 0: one per available core.
  // Throws yak::Error when n_threads is out of [0, 1024] or the threads cannot start.
  explicit Threads(int32_t n_threads = 0);
  ~Threads();
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

  int32_t size() const;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace yak
