// A weight matrix applied to a batch of activation rows: y = x W^T.
//
// This is the kernel interface the model calls for every projection. It owns
// the choice of algorithm: today it dequantizes each weight row once per call
// and reuses it across the batch's tokens; faster CPU paths (repacked rows,
// 8-bit activations) and a CUDA path sit behind the same two calls.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/thread_pool.h"

namespace yak::kernels {

// A non-owning view of a 2-D weight as stored in a GGUF file: `rows` rows of
// `cols` elements each, rows contiguous (ggml shape [cols, rows]).
struct MatrixView {
  DType type = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;

  uint64_t row_stride_bytes() const { return row_bytes(type, cols); }
  const uint8_t* row(int64_t r) const {
    return static_cast<const uint8_t*>(data) + static_cast<uint64_t>(r) * row_stride_bytes();
  }
};

class Linear {
 public:
  Linear() = default;
  explicit Linear(const MatrixView& weight);

  int64_t in_features() const { return weight_.cols; }
  int64_t out_features() const { return weight_.rows; }
  const MatrixView& weight() const { return weight_; }

  // y[t][0..out) = W x[t] for t in [0, n_tokens). Rows of x are `x_stride`
  // floats apart, rows of y `y_stride` floats apart.
  void forward(const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
               ThreadPool& pool) const;

  // Dequantizes row r (e.g. an embedding lookup) into out[0..in_features).
  void dequantize_row(int64_t r, float* out) const;

 private:
  MatrixView weight_;
};

}  // namespace yak::kernels
