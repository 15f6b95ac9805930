// A weight matrix applied to a batch of activation rows: y = x W^T.
//
// This is the kernel interface the model calls for every projection. It owns
// the choice of algorithm (docs/cpu-kernels.md):
//  - Precision::kExact dequantizes each weight row to float32 once per call and
//    reuses it across the batch's tokens: the numbers transformers computes.
//  - Precision::kFast quantizes the activations to 8 bits in blocks of 32 and
//    runs integer SIMD dot products against the weights (float FMA for
//    F32/F16/BF16 weights), with kernels picked at run time for the CPU. After
//    pack(), the types with a packed layout run from weights repacked into
//    interleaved row groups (kernels/cpu/packed_weights.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/packed_weights.h"

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

enum class Precision { kExact, kFast };

// The rows of a batch quantized to 8-bit blocks once, for every fast-path
// Linear that reads them: Q, K and V read the same normed rows, as do gate and up.
class QuantizedRows {
 public:
  // Quantizes x[t][0..cols) for t in [0, n_tokens); cols must be a multiple of 32.
  void quantize(const float* x, int64_t x_stride, int64_t n_tokens, int64_t cols, ThreadPool& pool);

  const float* source() const { return source_; }
  int64_t n_tokens() const { return n_tokens_; }
  int64_t cols() const { return cols_; }
  const cpu::BlockQ8A* token(int64_t t) const {
    return blocks_.data() + t * (cols_ / cpu::kActBlock);
  }

 private:
  std::vector<cpu::BlockQ8A> blocks_;
  const float* source_ = nullptr;
  int64_t n_tokens_ = 0;
  int64_t cols_ = 0;
};

// The precision new Linears get: set_default_precision's, else the environment
// variable YAK_PRECISION (exact | fast; anything else throws yak::Error), else kFast:
// its next-token distributions stay within a mean KL divergence of 0.003 of
// transformers' on the golden prompts (tests/unit/model/model_golden_test.cpp),
// as llama.cpp's 8-bit activations do, at several times the speed. The golden
// tests that hold Yak to transformers within 1e-3 ask for kExact.
Precision default_precision();
void set_default_precision(Precision precision);

class Linear;

// One output of a fused call: y[t][0..out) = linear's W x[t], rows of y
// `y_stride` floats apart.
struct Projection {
  const Linear* linear = nullptr;
  float* y = nullptr;
  int64_t y_stride = 0;
};

class Linear {
 public:
  Linear() = default;
  explicit Linear(const MatrixView& weight) : Linear(weight, default_precision()) {}
  Linear(const MatrixView& weight, Precision precision);

  Precision precision() const { return precision_; }
  // kFast is taken only when the rows are whole 8-bit activation blocks (always so for
  // quantized types; float types may have any row length): otherwise kExact.
  void set_precision(Precision precision);

  bool empty() const { return weight_.data == nullptr; }  // default-constructed: no weight
  int64_t in_features() const { return weight_.cols; }
  int64_t out_features() const { return weight_.rows; }
  const MatrixView& weight() const { return weight_; }

  // Repacks the weight for the fast path's packed kernels when its precision
  // is kFast and the active CPU level has a packed kernel for its type;
  // returns whether it did. The original weight stays in use for
  // dequantize_row, the exact path and the rows % 8 last rows.
  bool pack(ThreadPool& pool);
  bool packed() const { return packed_ != nullptr; }

  // y[t][0..out) = W x[t] for t in [0, n_tokens). Rows of x are `x_stride`
  // floats apart, rows of y `y_stride` floats apart.
  void forward(const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
               ThreadPool& pool) const;

  // The same, reusing `rows` (quantized from these same x, x_stride and n_tokens)
  // where the fast path wants 8-bit activations.
  void forward(const QuantizedRows& rows, int64_t x_stride, float* y, int64_t y_stride,
               ThreadPool& pool) const;

  // Several Linears of the same in_features applied to the same rows (Q, K
  // and V; gate and up) in one parallel section: threads work through the
  // items of all of them, so nobody waits for the slowest thread at the end of
  // each matrix, which in a decode step is a sizeable share of the time.
  static void forward_many(std::span<const Projection> projections, const QuantizedRows& rows,
                           int64_t x_stride, ThreadPool& pool);

  // The same as forward with the kExact path, whatever precision() is.
  void forward_exact(const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                     ThreadPool& pool) const;

  // Dequantizes row r (e.g. an embedding lookup) into out[0..in_features).
  void dequantize_row(int64_t r, float* out) const;

 private:
  // `rows` (may be null) holds x quantized where a fast kernel wants it.
  static void forward_fast(std::span<const Projection> projections, const float* x,
                           int64_t x_stride, int64_t n_tokens, const QuantizedRows* rows,
                           ThreadPool& pool);
  // Rows [first_row, out) by the row kernels: 8-bit activations `a` where the
  // type has an integer kernel and a is not null, else the float rows x.
  void forward_rows(int64_t first_row, const float* x, int64_t x_stride, int64_t n_tokens,
                    const cpu::BlockQ8A* a, float* y, int64_t y_stride, ThreadPool& pool) const;

  MatrixView weight_;
  Precision precision_ = Precision::kExact;
  // Shared by copies (the output projection of a tied model is the embedding).
  std::shared_ptr<const cpu::PackedWeights> packed_;
};

}  // namespace yak::kernels
