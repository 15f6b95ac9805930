// The scalar kernel table: the reference of the quantized-activation path.
//
// Each weight type is decoded, 32 values at a time, into integer codes, the
// integer scale of each half (16 values), a float factor and a float offset per
// half, so that the chunk's contribution is
//   dy * (fw * sum_h sc[h] * sum_{i in h} q[i] * y[i] + sum_h m[h] * sums[h]).
// The SIMD kernels compute exactly these integer sums; only the order of the
// float additions differs. Sums here are kept in double.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ref/quant_blocks.h"
#include "kernels/ops.h"

namespace yak::kernels::cpu {
namespace {

using namespace ref;

struct Chunk {
  int q[kActBlock];
  int sc[2] = {1, 1};
  float fw = 0.0f;
  float m[2] = {0.0f, 0.0f};
};

template <typename Block>
Block load(const uint8_t* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Legacy types: one chunk per block.
void decode_q4_0(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockQ4_0>(p);
  for (int j = 0; j < 16; ++j) {
    c.q[j] = (b.qs[j] & 0x0f) - 8;
    c.q[j + 16] = (b.qs[j] >> 4) - 8;
  }
  c.fw = half_to_float(b.d);
}

void decode_q4_1(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockQ4_1>(p);
  for (int j = 0; j < 16; ++j) {
    c.q[j] = b.qs[j] & 0x0f;
    c.q[j + 16] = b.qs[j] >> 4;
  }
  c.fw = half_to_float(b.d);
  c.m[0] = c.m[1] = half_to_float(b.m);
}

void decode_q5_0(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockQ5_0>(p);
  const uint32_t qh = load_u32(b.qh);
  for (int j = 0; j < 16; ++j) {
    c.q[j] = ((b.qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4)) - 16;
    c.q[j + 16] = ((b.qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4)) - 16;
  }
  c.fw = half_to_float(b.d);
}

void decode_q5_1(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockQ5_1>(p);
  const uint32_t qh = load_u32(b.qh);
  for (int j = 0; j < 16; ++j) {
    c.q[j] = (b.qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    c.q[j + 16] = (b.qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
  c.fw = half_to_float(b.d);
  c.m[0] = c.m[1] = half_to_float(b.m);
}

void decode_q8_0(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockQ8_0>(p);
  for (int j = 0; j < kActBlock; ++j) c.q[j] = b.qs[j];
  c.fw = half_to_float(b.d);
}

// K-quants: chunk k (0..7) covers values 32k..32k+31 of the super-block.
void decode_q4_k(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockQ4_K>(p);
  int sc, m;
  unpack_q4k_scale_min(b.scales, k, sc, m);
  const uint8_t* qs = b.qs + (k / 2) * 32;
  for (int l = 0; l < 32; ++l) c.q[l] = (k % 2 == 0) ? (qs[l] & 0x0f) : (qs[l] >> 4);
  c.fw = half_to_float(b.d) * static_cast<float>(sc);
  c.m[0] = c.m[1] = -half_to_float(b.dmin) * static_cast<float>(m);
}

void decode_q5_k(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockQ5_K>(p);
  int sc, m;
  unpack_q4k_scale_min(b.scales, k, sc, m);
  const uint8_t* qs = b.qs + (k / 2) * 32;
  for (int l = 0; l < 32; ++l) {
    const int lo = (k % 2 == 0) ? (qs[l] & 0x0f) : (qs[l] >> 4);
    c.q[l] = lo | (((b.qh[l] >> k) & 1) << 4);
  }
  c.fw = half_to_float(b.d) * static_cast<float>(sc);
  c.m[0] = c.m[1] = -half_to_float(b.dmin) * static_cast<float>(m);
}

// In the 16-scale types chunk k is (h, s) = (k / 4, k % 4), sub-blocks 2k, 2k+1.
void decode_q2_k(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockQ2_K>(p);
  const int h = k / 4, s = k % 4;
  for (int l = 0; l < 32; ++l) c.q[l] = (b.qs[h * 32 + l] >> (2 * s)) & 3;
  const float dmin = half_to_float(b.dmin);
  for (int i = 0; i < 2; ++i) {
    c.sc[i] = b.scales[2 * k + i] & 0x0f;
    c.m[i] = -dmin * static_cast<float>(b.scales[2 * k + i] >> 4);
  }
  c.fw = half_to_float(b.d);
}

void decode_q3_k(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockQ3_K>(p);
  const int h = k / 4, s = k % 4;
  for (int l = 0; l < 32; ++l) {
    const int low = (b.qs[h * 32 + l] >> (2 * s)) & 3;
    const int high = (b.hmask[l] >> k) & 1;
    c.q[l] = low + 4 * high - 4;
  }
  c.sc[0] = unpack_q3k_scale(b.scales, 2 * k);
  c.sc[1] = unpack_q3k_scale(b.scales, 2 * k + 1);
  c.fw = half_to_float(b.d);
}

void decode_q6_k(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockQ6_K>(p);
  const int h = k / 4, s = k % 4;
  for (int l = 0; l < 32; ++l) {
    const uint8_t ql = b.ql[h * 64 + (s & 1) * 32 + l];
    const int lo = s < 2 ? (ql & 0x0f) : (ql >> 4);
    const int hi = (b.qh[h * 32 + l] >> (2 * s)) & 3;
    c.q[l] = (lo | (hi << 4)) - 32;
  }
  c.sc[0] = b.scales[2 * k];
  c.sc[1] = b.scales[2 * k + 1];
  c.fw = half_to_float(b.d);
}

// The non-linear types: the codes are the levels themselves (signed, -127..113).
void iq4_levels(const uint8_t* qs, Chunk& c) {
  for (int j = 0; j < 16; ++j) {
    c.q[j] = kIQ4NLValues[qs[j] & 0x0f];
    c.q[j + 16] = kIQ4NLValues[qs[j] >> 4];
  }
}

void decode_iq4_nl(const uint8_t* p, int, Chunk& c) {
  const auto b = load<BlockIQ4_NL>(p);
  iq4_levels(b.qs, c);
  c.fw = half_to_float(b.d);
}

// Chunk k is sub-block k.
void decode_iq4_xs(const uint8_t* p, int k, Chunk& c) {
  const auto b = load<BlockIQ4_XS>(p);
  iq4_levels(b.qs + 16 * k, c);
  c.fw = half_to_float(b.d) * static_cast<float>(unpack_iq4xs_scale(b, k));
}

using DecodeFn = void (*)(const uint8_t*, int, Chunk&);

template <DecodeFn decode, int kBlockBytes, int kChunks>
void row_dot_q(const uint8_t* row, int64_t n, const BlockQ8A* const* acts, int nt, float* out) {
  const int64_t blocks = n / (kActBlock * kChunks);
  for (int t = 0; t < nt; ++t) {
    double sum = 0.0;
    for (int64_t b = 0; b < blocks; ++b) {
      for (int k = 0; k < kChunks; ++k) {
        Chunk c;
        decode(row + b * kBlockBytes, k, c);
        const BlockQ8A& a = acts[t][b * kChunks + k];
        int64_t p = 0;
        for (int h = 0; h < 2; ++h) {
          int64_t ph = 0;
          for (int i = 16 * h; i < 16 * h + 16; ++i) ph += c.q[i] * a.qs[i];
          p += c.sc[h] * ph;
        }
        const double dy = a.d;
        sum += dy *
               (static_cast<double>(c.fw) * static_cast<double>(p) +
                static_cast<double>(c.m[0]) * a.sums[0] + static_cast<double>(c.m[1]) * a.sums[1]);
      }
    }
    out[t] = static_cast<float>(sum);
  }
}

// The reference attention: each query on its own, scores over the keys it
// sees, softmax, weighted sum.
void attend_tile(const AttentionTile& tile, const KeyValueRuns& kv, int64_t head_dim, float scale) {
  std::vector<float> scores;
  for (int i = 0; i < tile.n_queries; ++i) {
    const int32_t first = tile.first_key[i], last = tile.last_key[i];
    scores.assign(static_cast<size_t>(last - first + 1), 0.0f);
    auto for_each_key = [&](auto&& fn) {
      int32_t pos = kv.first_position;
      for (int32_t r = 0; r < kv.n_runs && pos <= last; ++r)
        for (int32_t k = 0; k < kv.lengths[r] && pos <= last; ++k, ++pos)
          if (pos >= first) fn(pos, k * kv.stride, r);
    };
    for_each_key([&](int32_t pos, int64_t offset, int32_t r) {
      float s = kernels::dot_f32(tile.q[i], kv.keys[r] + offset, head_dim) * scale;
      if (tile.alibi) s += tile.alibi_slope[i] * static_cast<float>(pos - last);
      scores[static_cast<size_t>(pos - first)] = s;
    });
    kernels::softmax(scores.data(), static_cast<int64_t>(scores.size()));
    float* out = tile.out[i];
    std::fill_n(out, head_dim, 0.0f);
    for_each_key([&](int32_t pos, int64_t offset, int32_t r) {
      kernels::axpy(scores[static_cast<size_t>(pos - first)], kv.values[r] + offset, out, head_dim);
    });
  }
}

void quantize_acts(const float* x, int64_t n, BlockQ8A* out) {
  for (int64_t b = 0; b < n / kActBlock; ++b) {
    const float* xb = x + b * kActBlock;
    BlockQ8A& o = out[b];
    float amax = 0.0f;
    bool finite = true;
    for (int j = 0; j < kActBlock; ++j) {
      finite = finite && std::isfinite(xb[j]);
      amax = std::max(amax, std::fabs(xb[j]));
    }
    std::memset(o.qs, 0, sizeof o.qs);
    o.sums[0] = o.sums[1] = 0;
    if (!finite) {
      o.d = NAN;
      continue;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    o.d = d;
    for (int j = 0; j < kActBlock; ++j) {
      // x * id is within [-127, 127] up to rounding, and rounds into it.
      const int q = static_cast<int>(std::nearbyint(xb[j] * id));
      o.qs[j] = static_cast<int8_t>(q);
      o.sums[j / 16] = static_cast<int16_t>(o.sums[j / 16] + q);
    }
  }
}

// Float weights: plain double-accumulated dots.
template <typename Load>
void row_dot_f(const uint8_t* row, int64_t n, const float* const* x, int nt, float* out,
               Load load) {
  for (int t = 0; t < nt; ++t) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(load(row, i)) * x[t][i];
    out[t] = static_cast<float>(sum);
  }
}

void row_dot_f32(const uint8_t* row, int64_t n, const float* const* x, int nt, float* out) {
  row_dot_f(row, n, x, nt, out, [](const uint8_t* r, int64_t i) {
    float v;
    std::memcpy(&v, r + 4 * i, 4);
    return v;
  });
}

void row_dot_f16(const uint8_t* row, int64_t n, const float* const* x, int nt, float* out) {
  row_dot_f(row, n, x, nt, out, [](const uint8_t* r, int64_t i) {
    uint16_t v;
    std::memcpy(&v, r + 2 * i, 2);
    return half_to_float(v);
  });
}

void row_dot_bf16(const uint8_t* row, int64_t n, const float* const* x, int nt, float* out) {
  row_dot_f(row, n, x, nt, out, [](const uint8_t* r, int64_t i) {
    uint16_t v;
    std::memcpy(&v, r + 2 * i, 2);
    return bf16_to_float(v);
  });
}

template <DType T>
constexpr uint32_t idx() {
  return static_cast<uint32_t>(T);
}

}  // namespace

void fill_scalar_table(KernelTable& t) {
  t.quantize_acts = quantize_acts;
  t.dot_f32 = dot_f32;
  t.row_dot_q[idx<DType::Q4_0>()] = row_dot_q<decode_q4_0, sizeof(BlockQ4_0), 1>;
  t.row_dot_q[idx<DType::Q4_1>()] = row_dot_q<decode_q4_1, sizeof(BlockQ4_1), 1>;
  t.row_dot_q[idx<DType::Q5_0>()] = row_dot_q<decode_q5_0, sizeof(BlockQ5_0), 1>;
  t.row_dot_q[idx<DType::Q5_1>()] = row_dot_q<decode_q5_1, sizeof(BlockQ5_1), 1>;
  t.row_dot_q[idx<DType::Q8_0>()] = row_dot_q<decode_q8_0, sizeof(BlockQ8_0), 1>;
  t.row_dot_q[idx<DType::Q2_K>()] = row_dot_q<decode_q2_k, sizeof(BlockQ2_K), 8>;
  t.row_dot_q[idx<DType::Q3_K>()] = row_dot_q<decode_q3_k, sizeof(BlockQ3_K), 8>;
  t.row_dot_q[idx<DType::Q4_K>()] = row_dot_q<decode_q4_k, sizeof(BlockQ4_K), 8>;
  t.row_dot_q[idx<DType::Q5_K>()] = row_dot_q<decode_q5_k, sizeof(BlockQ5_K), 8>;
  t.row_dot_q[idx<DType::Q6_K>()] = row_dot_q<decode_q6_k, sizeof(BlockQ6_K), 8>;
  t.row_dot_q[idx<DType::IQ4_NL>()] = row_dot_q<decode_iq4_nl, sizeof(BlockIQ4_NL), 1>;
  t.row_dot_q[idx<DType::IQ4_XS>()] = row_dot_q<decode_iq4_xs, sizeof(BlockIQ4_XS), 8>;
  t.softmax = kernels::softmax;
  t.attend_tile = attend_tile;
  t.silu_mul = kernels::silu_mul;
  t.gelu_mul = kernels::gelu_mul;
  t.row_dot_f[idx<DType::F32>()] = row_dot_f32;
  t.row_dot_f[idx<DType::F16>()] = row_dot_f16;
  t.row_dot_f[idx<DType::BF16>()] = row_dot_bf16;
}

}  // namespace yak::kernels::cpu
