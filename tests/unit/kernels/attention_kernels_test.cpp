// The attention tile kernels of each SIMD level against the scalar reference
// (each query on its own: scores, softmax, weighted sum), over keys split in
// runs of several lengths, with causal limits that differ across the lanes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "unit/kernels/kernel_test_data.h"

namespace yak::kernels::cpu {
namespace {

TEST(AttentionKernels, TilesMatchScalarReference) {
  std::mt19937 rng(9);
  const KernelTable& scalar = kernel_table(CpuLevel::kScalar);
  for (CpuLevel level : {CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (!level_supported(level)) continue;
    const KernelTable& k = kernel_table(level);
    ASSERT_NE(k.attend_tile, scalar.attend_tile);
    if (level == CpuLevel::kAvx512) {
      ASSERT_NE(k.attend_tile_narrow, nullptr);
    }
    for (int64_t head_dim : {64, 72, 13}) {
      for (int n_queries : {1, 3, 7, 16}) {
        const int64_t stride = head_dim * 2 + 5;
        const std::vector<int32_t> run_lengths = {32, 7, 32, 1, 45};
        int32_t total = 0;
        for (int32_t l : run_lengths) total += l;
        // Scores of magnitude ~10 make the softmax peaked, as real ones are.
        const std::vector<float> keys = random_floats(total * stride, rng, 1.0f);
        const std::vector<float> values = random_floats(total * stride, rng, 1.0f);
        std::vector<const float*> kp, vp;
        int32_t pos = 0;
        for (int32_t l : run_lengths) {
          kp.push_back(keys.data() + pos * stride);
          vp.push_back(values.data() + pos * stride);
          pos += l;
        }
        const KeyValueRuns runs{kp.data(), vp.data(), run_lengths.data(),
                                static_cast<int32_t>(run_lengths.size()), stride};
        const std::vector<float> q = random_floats(n_queries * head_dim, rng, 3.0f);
        std::vector<float> want(static_cast<size_t>(n_queries * head_dim), -1.0f), got = want;
        AttentionTile a, b;
        a.n_queries = b.n_queries = n_queries;
        std::uniform_int_distribution<int32_t> last(0, total - 1);
        for (int i = 0; i < n_queries; ++i) {
          a.q[i] = b.q[i] = q.data() + i * head_dim;
          a.out[i] = want.data() + i * head_dim;
          b.out[i] = got.data() + i * head_dim;
          a.last_key[i] = b.last_key[i] = i == 0 ? 0 : last(rng);  // one lane sees one key
        }
        const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
        scalar.attend_tile(a, runs, head_dim, scale);
        // The wide kernel at every tile size, and the narrow one where it applies.
        std::vector<AttendTileFn> kernels = {k.attend_tile};
        if (k.attend_tile_narrow != nullptr && n_queries <= kNarrowAttentionLanes)
          kernels.push_back(k.attend_tile_narrow);
        for (AttendTileFn attend : kernels) {
          std::fill(got.begin(), got.end(), -1.0f);
          attend(b, runs, head_dim, scale);
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 2e-5 * (1.0 + std::fabs(want[i])))
                << level_name(level) << " head_dim=" << head_dim << " n_queries=" << n_queries
                << " narrow=" << (attend == k.attend_tile_narrow) << " i=" << i;
          // A query that sees only key 0 returns value 0 exactly.
          for (int64_t d = 0; d < head_dim; ++d) ASSERT_FLOAT_EQ(got[d], values[d]);
        }
      }
    }
  }
}

// Sliding windows (each lane its own first key, some past the first key chunks, so a lane
// sees nothing for a while), runs that start after position 0, and ALiBi: the scalar kernel
// against a direct double computation, the SIMD kernels against the scalar one.
TEST(AttentionKernels, WindowsAndAlibiMatchReference) {
  std::mt19937 rng(21);
  const KernelTable& scalar = kernel_table(CpuLevel::kScalar);
  const int64_t head_dim = 40, stride = head_dim + 3;
  const std::vector<int32_t> run_lengths = {16, 16, 16, 16, 16, 5};
  const int32_t first_position = 37, total = 85;
  const std::vector<float> keys = random_floats(total * stride, rng, 1.0f);
  const std::vector<float> values = random_floats(total * stride, rng, 1.0f);
  std::vector<const float*> kp, vp;
  for (int32_t r = 0, pos = 0; r < std::ssize(run_lengths); pos += run_lengths[r++]) {
    kp.push_back(keys.data() + pos * stride);
    vp.push_back(values.data() + pos * stride);
  }
  const KeyValueRuns runs{kp.data(), vp.data(), run_lengths.data(),
                          static_cast<int32_t>(run_lengths.size()), stride, first_position};
  for (bool alibi : {false, true}) {
    for (int n_queries : {1, 5, 16}) {
      const std::vector<float> q = random_floats(n_queries * head_dim, rng, 3.0f);
      std::vector<float> want(static_cast<size_t>(n_queries * head_dim)), got = want;
      AttentionTile a;
      a.n_queries = n_queries;
      a.alibi = alibi;
      std::uniform_int_distribution<int32_t> last_key(first_position, first_position + total - 1);
      std::uniform_real_distribution<float> slope(0.01f, 0.5f);
      for (int i = 0; i < n_queries; ++i) {
        a.q[i] = q.data() + i * head_dim;
        a.out[i] = want.data() + i * head_dim;
        a.last_key[i] = i == 0 ? first_position + total - 1 : last_key(rng);
        // Lane 0's window starts beyond the first two chunks of 32 keys.
        const int32_t window = i == 0 ? 10 : 1 + static_cast<int32_t>(rng() % 60);
        a.first_key[i] = std::max(first_position, a.last_key[i] - window + 1);
        a.alibi_slope[i] = slope(rng);
      }
      const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
      scalar.attend_tile(a, runs, head_dim, scale);
      for (int i = 0; i < n_queries; ++i) {
        std::vector<double> p, out(static_cast<size_t>(head_dim), 0.0);
        double max_s = -INFINITY, sum = 0;
        for (int32_t pos = a.first_key[i]; pos <= a.last_key[i]; ++pos) {
          const float* k = keys.data() + (pos - first_position) * stride;
          double s = 0;
          for (int64_t d = 0; d < head_dim; ++d) s += static_cast<double>(a.q[i][d]) * k[d];
          s *= scale;
          if (alibi) s += a.alibi_slope[i] * (pos - a.last_key[i]);
          p.push_back(s);
          max_s = std::max(max_s, s);
        }
        for (double& s : p) sum += s = std::exp(s - max_s);
        for (int32_t pos = a.first_key[i]; pos <= a.last_key[i]; ++pos) {
          const float* v = values.data() + (pos - first_position) * stride;
          for (int64_t d = 0; d < head_dim; ++d)
            out[static_cast<size_t>(d)] += p[static_cast<size_t>(pos - a.first_key[i])] / sum * v[d];
        }
        for (int64_t d = 0; d < head_dim; ++d)
          ASSERT_NEAR(a.out[i][d], out[static_cast<size_t>(d)], 1e-5) << "lane " << i;
      }
      for (CpuLevel level : {CpuLevel::kAvx2, CpuLevel::kAvx512}) {
        if (!level_supported(level)) continue;
        const KernelTable& k = kernel_table(level);
        for (AttendTileFn attend : {k.attend_tile, k.attend_tile_narrow}) {
          if (attend == nullptr || (attend == k.attend_tile_narrow && n_queries > kNarrowAttentionLanes))
            continue;
          AttentionTile b = a;
          for (int i = 0; i < n_queries; ++i) b.out[i] = got.data() + i * head_dim;
          std::fill(got.begin(), got.end(), -1.0f);
          attend(b, runs, head_dim, scale);
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 2e-5 * (1.0 + std::fabs(want[i])))
                << level_name(level) << " alibi=" << alibi << " n_queries=" << n_queries
                << " i=" << i;
        }
      }
    }
  }
}

TEST(AttentionKernels, SoftmaxMatchesReference) {
  std::mt19937 rng(4);
  const KernelTable& scalar = kernel_table(CpuLevel::kScalar);
  for (CpuLevel level : {CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (!level_supported(level)) continue;
    for (int64_t n : {1, 15, 16, 17, 100, 1000}) {
      std::vector<float> x = random_floats(n, rng, 20.0f);
      if (n > 2) x[1] = -INFINITY;
      std::vector<float> want = x, got = x;
      scalar.softmax(want.data(), n);
      kernel_table(level).softmax(got.data(), n);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_NEAR(got[i], want[i], 1e-6 + 1e-6 * want[i]) << level_name(level) << " n=" << n;
      if (n > 2) {
        EXPECT_EQ(got[1], 0.0f);
      }
    }
    std::vector<float> all_masked(20, -INFINITY);
    kernel_table(level).softmax(all_masked.data(), 20);
    for (float v : all_masked) EXPECT_EQ(v, 0.0f);
  }
}

}  // namespace
}  // namespace yak::kernels::cpu

namespace yak::kernels::cpu {
namespace {

// The SIMD activations against the scalar ones, including the saturated ends and NaN.
void expect_activation_matches(const char* name, auto pick) {
  std::mt19937 rng(8);
  const KernelTable& scalar = kernel_table(CpuLevel::kScalar);
  for (CpuLevel level : {CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    if (!level_supported(level)) continue;
    for (int64_t n : {1, 8, 16, 37, 1536}) {
      std::vector<float> g = random_floats(n, rng, 4.0f), u = random_floats(n, rng, 1.0f);
      if (n > 3) {
        g[0] = -100.0f;  // exp(-g) beyond float: silu -> -0, gelu -> -0
        g[1] = 100.0f;   // silu(g) = gelu(g) = g
        g[2] = NAN;
      }
      std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
      pick(scalar)(g.data(), u.data(), want.data(), n);
      pick(kernel_table(level))(g.data(), u.data(), got.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(want[i])) {
          EXPECT_TRUE(std::isnan(got[i])) << name << " " << i;
          continue;
        }
        ASSERT_NEAR(got[i], want[i], 2e-6 * (1.0 + std::fabs(want[i])))
            << name << " " << level_name(level) << " i=" << i << " g=" << g[i];
      }
    }
  }
}

TEST(ActivationKernels, SiluMulMatchesReference) {
  expect_activation_matches("silu", [](const KernelTable& t) { return t.silu_mul; });
}

TEST(ActivationKernels, GeluMulMatchesReference) {
  expect_activation_matches("gelu", [](const KernelTable& t) { return t.gelu_mul; });
}

}  // namespace
}  // namespace yak::kernels::cpu
