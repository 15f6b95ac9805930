// The fast path quantizes activations in 32-element blocks, so a float matrix whose rows
// are another length (a file may declare such a model) must compute exactly rather than
// reach the quantizer's internal check.
#include <gtest/gtest.h>

#include <vector>

#include "core/thread_pool.h"
#include "kernels/linear.h"

namespace yak::kernels {
namespace {

TEST(LinearPrecision, RowsNotWholeActivationBlocksComputeExactly) {
  std::vector<float> w(8 * 48, 0.5f);
  Linear odd(MatrixView{DType::F32, 8, 48, reinterpret_cast<const uint8_t*>(w.data())},
             Precision::kFast);
  EXPECT_EQ(odd.precision(), Precision::kExact);
  odd.set_precision(Precision::kFast);
  EXPECT_EQ(odd.precision(), Precision::kExact);

  Linear whole(MatrixView{DType::F32, 12, 32, reinterpret_cast<const uint8_t*>(w.data())},
               Precision::kFast);
  EXPECT_EQ(whole.precision(), Precision::kFast);

  ThreadPool pool(1);
  std::vector<float> x(48, 1.0f), y(8, 0.0f);
  odd.forward(x.data(), 48, 1, y.data(), 8, pool);
  for (float v : y) EXPECT_FLOAT_EQ(v, 24.0f);
}

}  // namespace
}  // namespace yak::kernels
