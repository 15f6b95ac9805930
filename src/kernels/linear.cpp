#include "kernels/linear.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "kernels/ops.h"

namespace yak::kernels {

Linear::Linear(const MatrixView& weight) : weight_(weight) {
  if (!traits(weight.type).supported)
    fail("weights of type {} are not supported", dtype_name(weight.type));
}

void Linear::dequantize_row(int64_t r, float* out) const {
  YAK_CHECK(r >= 0 && r < weight_.rows);
  ref::dequantize_row(weight_.type, weight_.row(r), out, weight_.cols);
}

void Linear::forward(const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                     int64_t y_stride, ThreadPool& pool) const {
  const int64_t cols = weight_.cols;
  // Rows are split across threads in groups, so each thread dequantizes a
  // weight row once and applies it to every token of the batch.
  constexpr int64_t kRowGrain = 16;
  pool.parallel_for(weight_.rows, kRowGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> row;
    if (static_cast<int64_t>(row.size()) < cols) row.resize(static_cast<size_t>(cols));
    for (int64_t r = begin; r < end; ++r) {
      const float* w = row.data();
      if (weight_.type == DType::F32) {
        w = reinterpret_cast<const float*>(weight_.row(r));
      } else {
        ref::dequantize_row(weight_.type, weight_.row(r), row.data(), cols);
      }
      for (int64_t t = 0; t < n_tokens; ++t) y[t * y_stride + r] = dot_f32(w, x + t * x_stride, cols);
    }
  });
}

}  // namespace yak::kernels
