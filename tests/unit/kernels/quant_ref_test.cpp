// Properties of the reference kernels that need no outside reference:
// quantize -> dequantize error bounds, dot_row against dequantize + dot,
// block sizes against the dtype table, error handling, and the fp16/bf16
// conversions over every bit pattern.
// First, so that the double dot below is not fused into FMAs when dot_row's is not.
#include "kernels/cpu/ref/quant_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/cpu/ref/no_fp_contract.h"
#include "kernels/cpu/ref/quant_blocks.h"

namespace yak::kernels::ref {
namespace {

struct Bound {
  DType type;
  double max_rel_rmse;   // sqrt(sum err^2 / sum x^2) over the row
  double max_block_err;  // max |err| in a block / max |x| in that block
};

// Legacy bounds follow from the scale: Q4_0 can clip one value by a whole step
// (amax/8), Q5_0 by amax/16, Q8_0 errs by half a step (amax/254); Q4_1/Q5_1 by
// half a step of range/15 or range/31; each plus a little for the fp16 scale.
// K-quant bounds are those of our simple quantizers with some margin. IQ4_NL's largest
// error is a value past the positive end of the levels (113 of 127: 14/127 of amax), or
// half its largest gap (24/2/127); IQ4_XS adds the rounding of its 6-bit sub-block scales
// (up to 1/32 of amax when a sub-block's scale clips at +31).
const Bound kBounds[] = {
    {DType::Q4_0, 0.16, 0.1265},  {DType::Q4_1, 0.13, 0.068},   {DType::Q5_0, 0.085, 0.0635},
    {DType::Q5_1, 0.065, 0.0335}, {DType::Q8_0, 0.012, 0.0045}, {DType::Q2_K, 0.45, 0.36},
    {DType::Q3_K, 0.22, 0.25},    {DType::Q4_K, 0.14, 0.075},   {DType::Q5_K, 0.07, 0.036},
    {DType::Q6_K, 0.035, 0.031},  {DType::F16, 0.0003, 0.0005}, {DType::BF16, 0.0025, 0.004},
    {DType::IQ4_NL, 0.11, 0.112}, {DType::IQ4_XS, 0.11, 0.145},
};

const DType kAllTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0,   DType::Q4_1,
                           DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K,   DType::Q3_K,
                           DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};

std::string name_of(DType t) { return std::string(dtype_name(t)); }

// An odd number of blocks (and of 32-value groups for the plain types).
int64_t odd_length(DType t) { return traits(t).block_size == 256 ? 256 * 7 : 32 * 13; }

// Gaussian, uniform with an offset, and heavy-tailed data.
std::vector<float> random_row(int64_t n, int dist, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_real_distribution<float> u(-1.0f, 3.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = dist == 0 ? g(rng) : dist == 1 ? u(rng) : g(rng) * std::exp(g(rng));
  return x;
}

std::vector<float> round_trip(DType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(t, n));
  quantize_row(t, x.data(), q.data(), n);
  std::vector<float> y(x.size());
  dequantize_row(t, q.data(), y.data(), n);
  return y;
}

TEST(QuantRef, RoundTripErrorIsBounded) {
  for (const Bound& b : kBounds) {
    const int64_t n = odd_length(b.type);
    const int64_t bs = std::max<int64_t>(32, traits(b.type).block_size);
    for (int dist = 0; dist < 3; ++dist) {
      SCOPED_TRACE(name_of(b.type) + " distribution " + std::to_string(dist));
      const auto x = random_row(n, dist, 1234 + dist);
      const auto y = round_trip(b.type, x);
      double se = 0, sx = 0, worst = 0;
      for (int64_t blk = 0; blk < n / bs; ++blk) {
        double amax = 0, emax = 0;
        for (int64_t i = blk * bs; i < (blk + 1) * bs; ++i) {
          const double e = static_cast<double>(x[i]) - y[i];
          amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
          emax = std::max(emax, std::fabs(e));
          se += e * e;
          sx += static_cast<double>(x[i]) * x[i];
        }
        worst = std::max(worst, emax / amax);
      }
      EXPECT_LE(std::sqrt(se / sx), b.max_rel_rmse);
      EXPECT_LE(worst, b.max_block_err);
    }
  }
}

TEST(QuantRef, F32RoundTripsExactly) {
  auto x = random_row(64, 2, 7);
  x[0] = INFINITY;
  x[1] = -0.0f;
  x[2] = 1e-42f;
  const auto y = round_trip(DType::F32, x);
  EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0);
}

TEST(QuantRef, ZerosStayZero) {
  for (DType t : kAllTypes) {
    const std::vector<float> x(static_cast<size_t>(odd_length(t)), 0.0f);
    for (float v : round_trip(t, x)) ASSERT_EQ(v, 0.0f) << name_of(t);
  }
}

// A row whose blocks differ wildly in scale: each block is quantized alone.
TEST(QuantRef, BlocksAreIndependent) {
  for (DType t : kAllTypes) {
    const int64_t bs = traits(t).block_size;
    const int64_t n = std::max<int64_t>(bs, 32) * 3;
    auto x = random_row(n, 0, 99);
    for (int64_t i = 0; i < n; ++i) x[i] *= (i / std::max<int64_t>(bs, 32)) == 1 ? 1e3f : 1e-3f;
    const auto y = round_trip(t, x);
    const auto y_mid = round_trip(t, std::vector<float>(x.begin() + n / 3, x.begin() + 2 * n / 3));
    EXPECT_EQ(std::memcmp(y.data() + n / 3, y_mid.data(), y_mid.size() * sizeof(float)), 0)
        << name_of(t);
  }
}

TEST(QuantRef, DotRowEqualsDequantizeThenDoubleDot) {
  for (DType t : kAllTypes) {
    const int64_t n = odd_length(t) * 3;  // more than one chunk of dot_row's buffer
    const auto w = random_row(n, 2, 5);
    const auto x = random_row(n, 0, 6);
    std::vector<uint8_t> q(row_bytes(t, n));
    quantize_row(t, w.data(), q.data(), n);
    std::vector<float> deq(static_cast<size_t>(n));
    dequantize_row(t, q.data(), deq.data(), n);
    double want = 0;
    for (int64_t i = 0; i < n; ++i) want += static_cast<double>(deq[i]) * x[i];
    EXPECT_EQ(dot_row(t, q.data(), x.data(), n), static_cast<float>(want)) << name_of(t);
  }
}

TEST(QuantRef, EmptyRowsAreFine) {
  for (DType t : kAllTypes) {
    EXPECT_EQ(dot_row(t, nullptr, nullptr, 0), 0.0f);
    dequantize_row(t, nullptr, nullptr, 0);
    quantize_row(t, nullptr, nullptr, 0);
  }
}

// Tensor data need not be aligned to the fp16 fields of its blocks.
TEST(QuantRef, UnalignedRowsGiveTheSameValues) {
  for (DType t : kAllTypes) {
    const int64_t n = odd_length(t);
    const auto x = random_row(n, 1, 3);
    const size_t bytes = row_bytes(t, n);
    std::vector<uint8_t> q(bytes + 1);
    quantize_row(t, x.data(), q.data() + 1, n);
    std::vector<uint8_t> aligned(q.begin() + 1, q.end());
    std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    dequantize_row(t, q.data() + 1, a.data(), n);
    dequantize_row(t, aligned.data(), b.data(), n);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << name_of(t);
  }
}

TEST(QuantRef, BlockStructsMatchTheDtypeTable) {
  EXPECT_EQ(traits(DType::Q4_0).block_bytes, int64_t{sizeof(BlockQ4_0)});
  EXPECT_EQ(traits(DType::Q4_1).block_bytes, int64_t{sizeof(BlockQ4_1)});
  EXPECT_EQ(traits(DType::Q5_0).block_bytes, int64_t{sizeof(BlockQ5_0)});
  EXPECT_EQ(traits(DType::Q5_1).block_bytes, int64_t{sizeof(BlockQ5_1)});
  EXPECT_EQ(traits(DType::Q8_0).block_bytes, int64_t{sizeof(BlockQ8_0)});
  EXPECT_EQ(traits(DType::Q2_K).block_bytes, int64_t{sizeof(BlockQ2_K)});
  EXPECT_EQ(traits(DType::Q3_K).block_bytes, int64_t{sizeof(BlockQ3_K)});
  EXPECT_EQ(traits(DType::Q4_K).block_bytes, int64_t{sizeof(BlockQ4_K)});
  EXPECT_EQ(traits(DType::Q5_K).block_bytes, int64_t{sizeof(BlockQ5_K)});
  EXPECT_EQ(traits(DType::Q6_K).block_bytes, int64_t{sizeof(BlockQ6_K)});
  EXPECT_EQ(traits(DType::IQ4_NL).block_bytes, int64_t{sizeof(BlockIQ4_NL)});
  EXPECT_EQ(traits(DType::IQ4_XS).block_bytes, int64_t{sizeof(BlockIQ4_XS)});
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::IQ4_NL})
    EXPECT_EQ(traits(t).block_size, kQK) << name_of(t);
  for (DType t : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS})
    EXPECT_EQ(traits(t).block_size, kQK_K) << name_of(t);
}

// The quantizers' level search against a scan of all 16 levels, on a grid that holds every
// level and every midpoint between two (the ties, which go to the higher level).
TEST(QuantRef, NearestIQ4LevelIsTheNearest) {
  for (int step = -1000; step <= 1000; ++step) {
    const float v = static_cast<float>(step) * 0.25f;
    int want = 0;
    for (int q = 1; q < 16; ++q)
      if (std::fabs(v - kIQ4NLValues[q]) <= std::fabs(v - kIQ4NLValues[want])) want = q;
    ASSERT_EQ(nearest_iq4nl_code(v), want) << v;
  }
  // Anywhere else (values near the integers, where the search's table lookup rounds): the
  // number of midpoints at or below v.
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> any(-140.0f, 140.0f);
  for (int i = 0; i < 200000; ++i) {
    float v = any(rng);
    if (i % 2 == 1) v = std::nextafter(std::round(v), i % 4 == 1 ? -INFINITY : INFINITY);
    int want = 0;
    for (int q = 0; q < 15; ++q)
      want += v >= (kIQ4NLValues[q] + kIQ4NLValues[q + 1]) / 2.0f ? 1 : 0;
    ASSERT_EQ(nearest_iq4nl_code(v), want) << v;
  }
  EXPECT_EQ(nearest_iq4nl_code(std::nextafter(113.0f, 0.0f)), 15);
  EXPECT_EQ(nearest_iq4nl_code(NAN), 0);
  EXPECT_EQ(nearest_iq4nl_code(INFINITY), 15);
  EXPECT_EQ(nearest_iq4nl_code(-INFINITY), 0);
}

// Runs `fn` and expects a yak::Error whose message contains `needle`.
template <typename Fn>
void expect_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(QuantRef, UnsupportedTypesFailWithTheirName) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> q(4096);
  for (DType t : {DType::Q8_1, DType::Q8_K, DType::I8, DType::I32, DType::F64}) {
    const std::string name = name_of(t);
    expect_error([&] { dequantize_row(t, q.data(), x.data(), 256); }, name);
    expect_error([&] { quantize_row(t, x.data(), q.data(), 256); }, name);
    expect_error([&] { dot_row(t, q.data(), x.data(), 256); }, name);
  }
  expect_error([&] { dequantize_row(static_cast<DType>(99), q.data(), x.data(), 32); },
               "unknown type id 99");
}

TEST(QuantRef, PartialBlocksFail) {
  std::vector<float> x(300, 1.0f);
  std::vector<uint8_t> q(4096);
  expect_error([&] { dequantize_row(DType::Q4_K, q.data(), x.data(), 255); }, "Q4_K");
  expect_error([&] { quantize_row(DType::Q8_0, x.data(), q.data(), 33); }, "33");
  expect_error([&] { dot_row(DType::Q5_0, q.data(), x.data(), -32); }, "Q5_0");
}

TEST(QuantRef, NonFiniteOrHugeInputsFailToQuantize) {
  for (DType t : kAllTypes) {
    if (t == DType::F32 || t == DType::F16 || t == DType::BF16) continue;
    const int64_t n = traits(t).block_size;
    std::vector<uint8_t> q(row_bytes(t, n));
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      std::vector<float> x(static_cast<size_t>(n), 1.0f);
      x[static_cast<size_t>(n) - 1] = bad;
      expect_error([&] { quantize_row(t, x.data(), q.data(), n); }, "not finite");
    }
    std::vector<float> huge(static_cast<size_t>(n), 1e30f);
    huge[0] = -1e30f;
    expect_error([&] { quantize_row(t, huge.data(), q.data(), n); }, "too large");
  }
}

// Every finite half survives half -> float -> half; NaNs stay NaNs.
TEST(HalfConversions, EveryF16BitPatternRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = half_to_float(bits);
    if ((bits & 0x7c00u) == 0x7c00u && (bits & 0x3ffu) != 0) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << h;
      ASSERT_TRUE(std::isnan(half_to_float(float_to_half(f)))) << std::hex << h;
    } else {
      ASSERT_EQ(float_to_half(f), bits) << std::hex << h;
    }
  }
}

TEST(HalfConversions, EveryBf16BitPatternRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = bf16_to_float(bits);
    if (std::isnan(f))
      ASSERT_TRUE(std::isnan(bf16_to_float(float_to_bf16(f)))) << std::hex << h;
    else
      ASSERT_EQ(float_to_bf16(f), bits) << std::hex << h;
  }
}

}  // namespace
}  // namespace yak::kernels::ref
