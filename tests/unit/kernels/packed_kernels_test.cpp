// The packed-weight tile kernels against the scalar kernel table (the
// reference of the quantized-activation arithmetic), at every SIMD level this
// CPU has, and Linear's packed path against its unpacked one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/packed_weights.h"
#include "kernels/linear.h"
#include "unit/kernels/kernel_test_data.h"

namespace yak::kernels::cpu {
namespace {

const DType kPackedTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0,   DType::Q5_1,
                              DType::Q8_0, DType::Q2_K, DType::Q3_K,   DType::Q4_K,
                              DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};

struct LevelGuard {
  CpuLevel saved = active_kernels().level;
  ~LevelGuard() { set_active_kernels(saved); }
};

std::vector<CpuLevel> simd_levels() {
  std::vector<CpuLevel> out;
  for (CpuLevel l : {CpuLevel::kAvx2, CpuLevel::kAvx512})
    if (level_supported(l)) out.push_back(l);
  return out;
}

TEST(PackedKernels, LayoutSizesMatchTheSourceBytes) {
  // Every layout holds exactly the bytes of its 8 source rows, but for unpacked scales.
  for (DType t : kPackedTypes) {
    const int64_t cols = traits(t).block_size * 3;
    // Q4_K and Q5_K unpack their 6-bit scales and mins, Q3_K its 6-bit scales,
    // to bytes: +32 per super-block; IQ4_XS its eight 6-bit scales: +16.
    const int64_t extra = t == DType::Q4_K || t == DType::Q5_K || t == DType::Q3_K ? 32 * 3
                          : t == DType::IQ4_XS                                     ? 16 * 3
                                                                                   : 0;
    EXPECT_EQ(packed_group_bytes(t, cols),
              static_cast<int64_t>(row_bytes(t, cols)) * kPackRows + extra)
        << dtype_name(t);
  }
  EXPECT_FALSE(packable(DType::Q2_K, 128));
  EXPECT_FALSE(packable(DType::Q5_1, 48));
  EXPECT_EQ(packed_group_bytes(DType::F16, 40), 40 * 2 * kPackRows);
  EXPECT_EQ(packed_group_bytes(DType::F16, 40, FloatPacking::kBf16Pairs), 40 * 2 * kPackRows);
  EXPECT_EQ(packed_group_bytes(DType::F16, 41, FloatPacking::kBf16Pairs), 42 * 2 * kPackRows);
  EXPECT_FALSE(packable(DType::F32, 64));
  EXPECT_FALSE(packable(DType::BF16, 64));  // only as bf16 pairs
  EXPECT_TRUE(packable(DType::BF16, 65, FloatPacking::kBf16Pairs));
  EXPECT_EQ(packed_group_bytes(DType::BF16, 65, FloatPacking::kBf16Pairs), 66 * 2 * kPackRows);
  EXPECT_FALSE(packable(DType::Q4_K, 32));
}

TEST(PackedKernels, MatchScalarReferenceOnEveryTypeAndTokenCount) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(11);
  ThreadPool pool(2);
  const KernelTable& scalar = kernel_table(CpuLevel::kScalar);
  for (CpuLevel level : simd_levels()) {
    const KernelTable& k = kernel_table(level);
    for (DType type : kPackedTypes) {
      const PackedGemmFn gemm = k.packed(type);
      if (gemm == nullptr) {
        // Only Q8_0 without VNNI goes without (its codes would saturate maddubs).
        EXPECT_TRUE(type == DType::Q8_0 && level == CpuLevel::kAvx2) << dtype_name(type);
        continue;
      }
      const int64_t cols = traits(type).block_size == 256 ? 512 : 96;
      const int64_t rows = 3 * kPackRows;
      const uint64_t rb = row_bytes(type, cols);
      std::vector<uint8_t> w;
      for (int64_t r = 0; r < rows; ++r) {
        const auto row = random_row(type, cols, rng, /*pow2_scales=*/false);
        w.insert(w.end(), row.begin(), row.end());
      }
      const PackedWeights packed(type, rows, cols, w.data(), pool);
      ASSERT_EQ(packed.groups(), 3);
      // Every remainder of every token tile (up to 8 tokens), and whole tiles.
      for (int64_t tokens = 1; tokens <= 19; ++tokens) {
        std::vector<std::vector<float>> x;
        std::vector<BlockQ8A> acts(static_cast<size_t>(tokens * cols / kActBlock));
        for (int64_t t = 0; t < tokens; ++t) {
          x.push_back(random_floats(cols, rng));
          scalar.quantize_acts(x.back().data(), cols, acts.data() + t * (cols / kActBlock));
        }
        const int64_t ys = rows + 5;
        std::vector<float> y(static_cast<size_t>(tokens * ys), -7.0f);
        gemm(packed.group(0), packed.groups(), packed.group_bytes(), cols, acts.data(),
             cols / kActBlock, tokens, y.data(), ys);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t t = 0; t < tokens; ++t) {
            const BlockQ8A* a = acts.data() + t * (cols / kActBlock);
            float want;
            scalar.quantized(type)(w.data() + r * rb, cols, &a, 1, &want);
            const double tol = 2e-6 * abs_dot(type, w.data() + r * rb, x[static_cast<size_t>(t)]);
            ASSERT_NEAR(y[t * ys + r], want, tol)
                << dtype_name(type) << "/" << level_name(level) << " tokens=" << tokens
                << " r=" << r << " t=" << t;
          }
        }
        for (int64_t t = 0; t < tokens; ++t)
          for (int64_t r = rows; r < ys; ++r) ASSERT_EQ(y[t * ys + r], -7.0f);
      }
    }
  }
}

float bf16_round(float f) { return bf16_to_float(float_to_bf16(f)); }

// F16 kernels against a double-precision dot of the values they are meant to
// multiply: the F16 weights and float activations as they are (kF16), or both
// rounded to bf16 (kBf16Pairs).
TEST(PackedKernels, F16MatchesScalarReference) {
  ASSERT_FALSE(simd_levels().empty()) << "this test needs a CPU with AVX2";
  std::mt19937 rng(12);
  ThreadPool pool(2);
  for (CpuLevel level : simd_levels()) {
    const KernelTable& k = kernel_table(level);
    const PackedGemmFFn gemm = k.packed_f(DType::F16);
    ASSERT_NE(gemm, nullptr) << level_name(level);
    const bool bf16 = k.f16_packing == FloatPacking::kBf16Pairs;
    if (level == CpuLevel::kAvx512) {
      EXPECT_EQ(bf16, cpu_features().avx512bf16);
    }
    for (int64_t cols : {1, 7, 64, 131}) {
      const int64_t rows = 3 * kPackRows;  // a pair of groups and an odd one
      const std::vector<float> wf = random_floats(rows * cols, rng);
      std::vector<uint16_t> w(wf.size());
      for (size_t i = 0; i < wf.size(); ++i) w[i] = float_to_half(wf[i]);
      const PackedWeights packed(DType::F16, rows, cols, w.data(), pool, k.f16_packing);
      // Every remainder of the 16-token tiles, and two whole tiles.
      for (int64_t tokens = 1; tokens <= 35; ++tokens) {
        const int64_t xs = cols + 1, ys = rows + 3;
        const std::vector<float> x = random_floats(tokens * xs, rng);
        std::vector<float> y(static_cast<size_t>(tokens * ys), -7.0f);
        // Activation rows as the kernel reads them: floats, or converted by f16_acts.
        const void* xa = x.data();
        int64_t xa_stride = xs * static_cast<int64_t>(sizeof(float));
        std::vector<uint8_t> converted;
        if (k.f16_acts != nullptr) {
          xa_stride = k.f16_act_row_bytes(cols);
          converted.resize(static_cast<size_t>(tokens * xa_stride));
          for (int64_t t = 0; t < tokens; ++t)
            k.f16_acts(x.data() + t * xs, cols, converted.data() + t * xa_stride);
          xa = converted.data();
        }
        gemm(packed.group(0), packed.groups(), packed.group_bytes(), cols, xa, xa_stride, tokens,
             y.data(), ys);
        for (int64_t t = 0; t < tokens; ++t) {
          for (int64_t r = 0; r < rows; ++r) {
            const float* xt = x.data() + t * xs;
            double want = 0.0, mag = 0.0;
            for (int64_t i = 0; i < cols; ++i) {
              float wv = half_to_float(w[r * cols + i]), xv = xt[i];
              if (bf16) {
                wv = bf16_round(wv);
                xv = bf16_round(xv);
              }
              want += static_cast<double>(wv) * xv;
              mag += std::fabs(static_cast<double>(wv) * xv);
            }
            ASSERT_NEAR(y[t * ys + r], want, 1e-6 * mag + 1e-30)
                << level_name(level) << " cols=" << cols << " tokens=" << tokens << " r=" << r;
          }
          for (int64_t r = rows; r < ys; ++r) ASSERT_EQ(y[t * ys + r], -7.0f);
        }
      }
    }
  }
}

TEST(PackedKernels, NonFiniteActivationsGiveNan) {
  ThreadPool pool(1);
  std::mt19937 rng(3);
  for (CpuLevel level : simd_levels()) {
    const KernelTable& k = kernel_table(level);
    const PackedGemmFn gemm = k.packed(DType::Q4_0);
    ASSERT_NE(gemm, nullptr);
    std::vector<uint8_t> w;
    for (int r = 0; r < kPackRows; ++r) {
      const auto row = random_row(DType::Q4_0, 64, rng, false);
      w.insert(w.end(), row.begin(), row.end());
    }
    const PackedWeights packed(DType::Q4_0, kPackRows, 64, w.data(), pool);
    std::vector<float> x(64, 0.5f);
    x[40] = NAN;
    BlockQ8A acts[2];
    k.quantize_acts(x.data(), 64, acts);
    float y[kPackRows];
    gemm(packed.group(0), 1, packed.group_bytes(), 64, acts, 2, 1, y, kPackRows);
    for (float v : y) EXPECT_TRUE(std::isnan(v));
  }
}

// Linear after pack() against the same Linear unpacked, with rows that leave a
// partial group, strided rows, token counts across the tiles, and shared
// quantized rows.
TEST(PackedLinear, MatchesUnpackedAndSharesQuantizedRows) {
  LevelGuard guard;
  std::mt19937 rng(5);
  ThreadPool pool(2);
  for (CpuLevel level : simd_levels()) {
    set_active_kernels(level);
    for (DType type : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K,
                       DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL,
                       DType::IQ4_XS, DType::F16, DType::BF16}) {
      const int64_t cols = traits(type).block_size == 256 ? 256 : 64;
      const int64_t rows = 37;  // 4 groups and 5 rows of the row kernels
      std::vector<uint8_t> w;
      for (int64_t r = 0; r < rows; ++r) {
        if (type == DType::F16 || type == DType::BF16) {  // random bits would include NaNs
          for (float v : random_floats(cols, rng)) {
            const uint16_t h = type == DType::F16 ? float_to_half(v) : float_to_bf16(v);
            w.push_back(static_cast<uint8_t>(h & 0xff));
            w.push_back(static_cast<uint8_t>(h >> 8));
          }
          continue;
        }
        const auto row = random_row(type, cols, rng, false);
        w.insert(w.end(), row.begin(), row.end());
      }
      const MatrixView view{type, rows, cols, w.data()};
      const Linear plain(view, Precision::kFast);
      Linear packed(view, Precision::kFast);
      const bool has_kernel =
          active_kernels().packed(type) != nullptr || active_kernels().packed_f(type) != nullptr;
      EXPECT_EQ(packed.pack(pool), has_kernel) << dtype_name(type);
      Linear exact(view, Precision::kExact);
      EXPECT_FALSE(exact.pack(pool));
      for (int64_t tokens : {1, 9, 70}) {
        const int64_t xs = cols + 3, ys = rows + 2;
        std::vector<float> x(static_cast<size_t>(tokens * xs));
        for (auto& v : x) v = std::normal_distribution<float>(0.0f, 1.0f)(rng);
        std::vector<float> want(static_cast<size_t>(tokens * ys), -1.0f);
        std::vector<float> got(want.size(), -1.0f), shared(want.size(), -1.0f);
        plain.forward(x.data(), xs, tokens, want.data(), ys, pool);
        packed.forward(x.data(), xs, tokens, got.data(), ys, pool);
        QuantizedRows q;
        q.quantize(x.data(), xs, tokens, cols, pool);
        packed.forward(q, xs, shared.data(), ys, pool);
        for (int64_t t = 0; t < tokens; ++t) {
          const std::vector<float> xt(x.begin() + t * xs, x.begin() + t * xs + cols);
          for (int64_t r = 0; r < ys; ++r) {
            const size_t i = static_cast<size_t>(t * ys + r);
            // Packed F16 and BF16 may compute in bf16 (weights and activations
            // each within 2^-9 relative): allow 2^-8 of sum |w x| there.
            const double rel = (type == DType::F16 || type == DType::BF16) && packed.packed() &&
                                       active_kernels().f16_packing == FloatPacking::kBf16Pairs
                                   ? 1.0 / 256
                                   : 2e-6;
            const double tol =
                r < rows ? rel * abs_dot(type, w.data() + r * row_bytes(type, cols), xt) : 0.0;
            ASSERT_NEAR(got[i], want[i], tol) << dtype_name(type) << "/" << level_name(level)
                                              << " tokens=" << tokens << " t=" << t << " r=" << r;
            ASSERT_EQ(shared[i], got[i]) << dtype_name(type) << " t=" << t << " r=" << r;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace yak::kernels::cpu
