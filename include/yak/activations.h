// Watching the inputs of a model's weight matrix products, e.g. to collect the activation
// statistics of an importance matrix (yak/imatrix.h). Set ContextOptions::activation_observer
// and every decode of that context hands each product's input rows to it; a context without
// one pays a single null check per product.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace yak {

// The rows one or more weight matrices multiply. Q, K and V read the same rows, and so do
// the feed-forward gate and up projections: they come in one call naming all of them.
struct ActivationRows {
  std::span<const std::string> weights;  // GGUF tensor names, e.g. "blk.3.attn_q.weight"
  const float* rows = nullptr;           // n_rows rows of `width` floats, back to back
  int64_t n_rows = 0;                    // the batch's tokens (for the output: those with logits)
  int64_t width = 0;                     // the weights' row length (their input columns)
};

class ActivationObserver {
 public:
  virtual ~ActivationObserver() = default;
  // Called on the decoding thread, in the order the products run; `rows` is valid only
  // during the call.
  virtual void observe(const ActivationRows& rows) = 0;
};

}  // namespace yak
