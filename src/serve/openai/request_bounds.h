// What the server allows one request: the configured limits plus the figures of the model and
// the engine that bound a request's fields (vocabulary for token ids, context for max_tokens,
// parallel sequences for n).
#pragma once

#include <cstdint>

#include "yak/server.h"

namespace yak::serve {

struct RequestBounds {
  ServerLimits limits;
  int32_t context_size = 4096;  // tokens of one request: prompt + completion
  int32_t parallel = 4;         // sequences decoding at once
  int32_t n_vocab = 0;
};

}  // namespace yak::serve
