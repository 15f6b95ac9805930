// What one step of the scheduler runs: a slice of some choice's tokens, and where its
// logits land in the batch.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/scheduler_job.h"

namespace yak::runtime {

struct StepEntry {
  std::shared_ptr<Job> job;
  int32_t choice = 0;
  int32_t first = 0;  // position of the slice's first token
  int32_t count = 0;
  // Output index in the batch of each token that wants logits (-1: none), by slice offset.
  std::vector<int32_t> outputs;
};

}  // namespace yak::runtime
