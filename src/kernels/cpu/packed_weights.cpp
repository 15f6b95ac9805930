#include "kernels/cpu/packed_weights.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "core/system_memory.h"
#include "core/half.h"
#include "kernels/cpu/ref/quant_blocks.h"

namespace yak::kernels::cpu {
namespace {

using namespace ref;

template <typename Block>
Block load(const uint8_t* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

void put_u16(uint8_t* dst, int r, uint16_t v) { std::memcpy(dst + 2 * r, &v, 2); }

// Row r's 32 codes into a group's nibbles[4][32].
void put_nibbles(uint8_t* dst, int r, const uint8_t* codes) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      dst[i * 32 + 4 * r + j] =
          static_cast<uint8_t>((codes[4 * i + j] & 0x0f) | (codes[16 + 4 * i + j] << 4));
}

// Row r's 32 two-bit codes into a group's crumbs[2][32]: byte 4r + j of
// vector i holds code vectors i, i + 2, i + 4, i + 6 in bits 0-1, 2-3, 4-5, 6-7.
void put_crumbs(uint8_t* dst, int r, const uint8_t* codes) {
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      int byte = 0;
      for (int q = 0; q < 4; ++q) byte |= (codes[4 * (i + 2 * q) + j] & 3) << (2 * q);
      dst[i * 32 + 4 * r + j] = static_cast<uint8_t>(byte);
    }
}

// Row r's 32 codes into a group's codes[8][32].
void put_bytes(uint8_t* dst, int r, const uint8_t* codes) {
  for (int k = 0; k < 8; ++k)
    for (int j = 0; j < 4; ++j) dst[k * 32 + 4 * r + j] = codes[4 * k + j];
}

// Bit `bit` of each of row r's 32 codes into a group's u32 masks[8].
void put_bit_masks(uint8_t* dst, int r, const uint8_t* codes, int bit) {
  for (int k = 0; k < 8; ++k) {
    uint32_t mask;
    std::memcpy(&mask, dst + 4 * k, 4);
    for (int j = 0; j < 4; ++j)
      mask |= static_cast<uint32_t>((codes[4 * k + j] >> bit) & 1) << (4 * r + j);
    std::memcpy(dst + 4 * k, &mask, 4);
  }
}

void nibble_codes(const uint8_t* qs, uint8_t* codes) {
  for (int j = 0; j < 16; ++j) {
    codes[j] = qs[j] & 0x0f;
    codes[j + 16] = qs[j] >> 4;
  }
}

// ---- One group of kPackRows rows, `blocks` blocks (or super-blocks) each.

void pack_q4_0(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 144) {
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ4_0>(rows[r] + b * sizeof(BlockQ4_0));
      uint8_t codes[32];
      nibble_codes(blk.qs, codes);
      put_u16(out, r, blk.d);
      put_nibbles(out + 16, r, codes);
    }
  }
}

void pack_q4_1(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 160) {
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ4_1>(rows[r] + b * sizeof(BlockQ4_1));
      uint8_t codes[32];
      nibble_codes(blk.qs, codes);
      put_u16(out, r, blk.d);
      put_u16(out + 16, r, blk.m);
      put_nibbles(out + 32, r, codes);
    }
  }
}

// Q5_0 and Q5_1: the nibbles, then the fifth bits as eight 32-bit masks;
// Q5_1 keeps its m after d, as Q4_1 does.
template <class Block, bool kMin>
void pack_q5(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  constexpr int64_t kHead = kMin ? 32 : 16, kBytes = kHead + 160;
  for (int64_t b = 0; b < blocks; ++b, out += kBytes) {
    std::memset(out + kHead + 128, 0, 32);
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<Block>(rows[r] + b * sizeof(Block));
      uint32_t qh;
      std::memcpy(&qh, blk.qh, 4);
      uint8_t codes[32];
      nibble_codes(blk.qs, codes);
      for (int v = 0; v < 32; ++v)
        codes[v] = static_cast<uint8_t>(codes[v] | (((qh >> v) & 1u) << 4));
      put_u16(out, r, blk.d);
      if constexpr (kMin) put_u16(out + 16, r, blk.m);
      put_nibbles(out + kHead, r, codes);
      put_bit_masks(out + kHead + 128, r, codes, 4);
    }
  }
}

void pack_q8_0(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 272) {
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ8_0>(rows[r] + b * sizeof(BlockQ8_0));
      uint8_t codes[32];
      for (int v = 0; v < 32; ++v) codes[v] = static_cast<uint8_t>(blk.qs[v] + 128);
      put_u16(out, r, blk.d);
      put_bytes(out + 16, r, codes);
    }
  }
}

// Q4_K and Q5_K share the layout; Q5_K appends each sub-block's fifth bits as
// eight 32-bit masks (as Q5_0 does per block).
template <class Block, bool kHigh>
void pack_k45(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  constexpr int64_t kBytes = kHigh ? 1440 : 1184;
  for (int64_t b = 0; b < blocks; ++b, out += kBytes) {
    if constexpr (kHigh) std::memset(out + 1184, 0, 256);
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<Block>(rows[r] + b * sizeof(Block));
      put_u16(out, r, blk.d);
      put_u16(out + 16, r, blk.dmin);
      for (int j = 0; j < 8; ++j) {
        int sc, m;
        unpack_q4k_scale_min(blk.scales, j, sc, m);
        out[32 + 8 * j + r] = static_cast<uint8_t>(sc);
        out[96 + 8 * j + r] = static_cast<uint8_t>(m);
        uint8_t codes[32];
        const uint8_t* qs = blk.qs + (j / 2) * 32;
        for (int l = 0; l < 32; ++l) codes[l] = (j % 2 == 0) ? (qs[l] & 0x0f) : (qs[l] >> 4);
        put_nibbles(out + 160 + 128 * j, r, codes);
        if constexpr (kHigh) {
          for (int l = 0; l < 32; ++l) codes[l] = static_cast<uint8_t>(((blk.qh[l] >> j) & 1) << 4);
          put_bit_masks(out + 1184 + 32 * j, r, codes, 4);
        }
      }
    }
  }
}

void pack_q6_k(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 1680) {
    for (int j = 0; j < 8; ++j) std::memset(out + 144 + 192 * j + 128, 0, 64);
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ6_K>(rows[r] + b * sizeof(BlockQ6_K));
      put_u16(out, r, blk.d);
      for (int i = 0; i < 16; ++i) out[16 + 8 * i + r] = static_cast<uint8_t>(blk.scales[i]);
      for (int j = 0; j < 8; ++j) {
        const int h = j / 4, s = j % 4;
        uint8_t codes[32];
        for (int l = 0; l < 32; ++l) {
          const uint8_t ql = blk.ql[h * 64 + (s & 1) * 32 + l];
          const int lo = s < 2 ? (ql & 0x0f) : (ql >> 4);
          const int hi = (blk.qh[h * 32 + l] >> (2 * s)) & 3;
          codes[l] = static_cast<uint8_t>(lo | (hi << 4));
        }
        uint8_t* dst = out + 144 + 192 * j;
        put_nibbles(dst, r, codes);
        for (int k = 0; k < 8; ++k)
          for (int jj = 0; jj < 4; ++jj)
            dst[128 + (k / 4) * 32 + 4 * r + jj] |=
                static_cast<uint8_t>((codes[4 * k + jj] >> 4) << (2 * (k % 4)));
      }
    }
  }
}

// Q2_K and Q3_K: the two low bits of chunk j's codes are bits 2(j % 4)..+1
// of qs[(j / 4) * 32 + l].
template <class Block>
void low_crumbs(const Block& blk, int j, uint8_t* codes) {
  for (int l = 0; l < 32; ++l) codes[l] = (blk.qs[(j / 4) * 32 + l] >> (2 * (j % 4))) & 3;
}

void pack_q2_k(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 672) {
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ2_K>(rows[r] + b * sizeof(BlockQ2_K));
      put_u16(out, r, blk.d);
      put_u16(out + 16, r, blk.dmin);
      for (int i = 0; i < 16; ++i) out[32 + 8 * i + r] = blk.scales[i];
      for (int j = 0; j < 8; ++j) {
        uint8_t codes[32];
        low_crumbs(blk, j, codes);
        put_crumbs(out + 160 + 64 * j, r, codes);
      }
    }
  }
}

void pack_q3_k(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 912) {
    for (int j = 0; j < 8; ++j) std::memset(out + 144 + 96 * j + 64, 0, 32);
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockQ3_K>(rows[r] + b * sizeof(BlockQ3_K));
      put_u16(out, r, blk.d);
      for (int i = 0; i < 16; ++i)
        out[16 + 8 * i + r] =
            static_cast<uint8_t>(static_cast<int8_t>(unpack_q3k_scale(blk.scales, i)));
      for (int j = 0; j < 8; ++j) {
        uint8_t codes[32];  // 0..7: the value is code - 4
        low_crumbs(blk, j, codes);
        for (int l = 0; l < 32; ++l)
          codes[l] = static_cast<uint8_t>(codes[l] | (((blk.hmask[l] >> j) & 1) << 2));
        put_crumbs(out + 144 + 96 * j, r, codes);
        put_bit_masks(out + 144 + 96 * j + 64, r, codes, 2);
      }
    }
  }
}

// IQ4_XS: the Q4_K layout without mins, the sub-block scales unbiased to signed bytes.
void pack_iq4_xs(const uint8_t* const* rows, int64_t blocks, uint8_t* out) {
  for (int64_t b = 0; b < blocks; ++b, out += 1104) {
    for (int r = 0; r < kPackRows; ++r) {
      const auto blk = load<BlockIQ4_XS>(rows[r] + b * sizeof(BlockIQ4_XS));
      put_u16(out, r, blk.d);
      for (int j = 0; j < 8; ++j) {
        out[16 + 8 * j + r] = static_cast<uint8_t>(static_cast<int8_t>(unpack_iq4xs_scale(blk, j)));
        uint8_t codes[32];
        nibble_codes(blk.qs + 16 * j, codes);
        put_nibbles(out + 80 + 128 * j, r, codes);
      }
    }
  }
}

// F16: value k of the group's 8 rows in 16 bytes, for k = 0..cols-1.
void pack_f16(const uint8_t* const* rows, int64_t cols, uint8_t* out) {
  for (int64_t k = 0; k < cols; ++k, out += 16)
    for (int r = 0; r < kPackRows; ++r) std::memcpy(out + 2 * r, rows[r] + 2 * k, 2);
}

// Pairs of bf16 values: pair p of the group's 8 rows in 32 bytes, an odd last
// value paired with 0. F16 rows are rounded to bf16; BF16 rows are copied.
template <bool kFromF16>
void pack_bf16_pairs(const uint8_t* const* rows, int64_t cols, uint8_t* out) {
  for (int64_t p = 0; p < (cols + 1) / 2; ++p, out += 32) {
    for (int r = 0; r < kPackRows; ++r) {
      for (int j = 0; j < 2; ++j) {
        const int64_t k = 2 * p + j;
        uint16_t v = 0;
        if (k < cols) std::memcpy(&v, rows[r] + 2 * k, 2);
        if constexpr (kFromF16) v = k < cols ? float_to_bf16(half_to_float(v)) : 0;
        std::memcpy(out + 4 * r + 2 * j, &v, 2);
      }
    }
  }
}

struct Packer {
  int64_t block_values;
  int64_t group_block_bytes;
  void (*pack)(const uint8_t* const* rows, int64_t blocks, uint8_t* out);
  // The last block may be partial (zero-padded), so any column count packs.
  bool pads_last_block = false;
};

const Packer* packer(DType type, FloatPacking packing = FloatPacking::kF16) {
  static const Packer f16_as_pairs{2, 32, pack_bf16_pairs<true>, true},
      bf16_as_pairs{2, 32, pack_bf16_pairs<false>, true};
  if (type == DType::F16 && packing == FloatPacking::kBf16Pairs) return &f16_as_pairs;
  // BF16 has only the pair layout (read by the AVX512_BF16 kernel).
  if (type == DType::BF16) return packing == FloatPacking::kBf16Pairs ? &bf16_as_pairs : nullptr;
  static const Packer q4_0{32, 144, pack_q4_0}, q4_1{32, 160, pack_q4_1},
      q5_0{32, 176, pack_q5<BlockQ5_0, false>}, q5_1{32, 192, pack_q5<BlockQ5_1, true>},
      q8_0{32, 272, pack_q8_0}, q4_k{256, 1184, pack_k45<BlockQ4_K, false>},
      q5_k{256, 1440, pack_k45<BlockQ5_K, true>}, q6_k{256, 1680, pack_q6_k},
      q2_k{256, 672, pack_q2_k}, q3_k{256, 912, pack_q3_k}, f16{1, 16, pack_f16},
      // An IQ4_NL block is a Q4_0 block in its bytes (fp16 d, nibbles in the same order);
      // only what the codes mean differs.
      iq4_nl{32, 144, pack_q4_0}, iq4_xs{256, 1104, pack_iq4_xs};
  switch (type) {
    case DType::Q4_0:
      return &q4_0;
    case DType::Q4_1:
      return &q4_1;
    case DType::Q5_0:
      return &q5_0;
    case DType::Q5_1:
      return &q5_1;
    case DType::Q8_0:
      return &q8_0;
    case DType::Q2_K:
      return &q2_k;
    case DType::Q3_K:
      return &q3_k;
    case DType::Q4_K:
      return &q4_k;
    case DType::Q5_K:
      return &q5_k;
    case DType::Q6_K:
      return &q6_k;
    case DType::IQ4_NL:
      return &iq4_nl;
    case DType::IQ4_XS:
      return &iq4_xs;
    case DType::F16:
      return &f16;
    default:
      return nullptr;
  }
}

}  // namespace

bool packable(DType type, int64_t cols, FloatPacking packing) {
  const Packer* p = packer(type, packing);
  return p != nullptr && cols > 0 && (p->pads_last_block || cols % p->block_values == 0);
}

int64_t packed_group_bytes(DType type, int64_t cols, FloatPacking packing) {
  if (!packable(type, cols, packing))
    fail("no packed layout for {} rows of {} values", dtype_name(type), cols);
  const Packer* p = packer(type, packing);
  return (cols + p->block_values - 1) / p->block_values * p->group_block_bytes;
}

PackedWeights::Buffer::Buffer(uint64_t size) {
  // Decode streams every packed byte once per token: 2 MiB pages spare the TLB
  // a miss every 4 KiB (transparent huge pages are often "madvise" only). The
  // mapping is aligned to 2 MiB by hand and ends at the last 4 KiB page used,
  // so a tensor's tail costs no more than its size.
  constexpr uint64_t kHuge = 2u << 20, kPage = 4096;
  mapped_ = std::max<uint64_t>(kPage, (size + kPage - 1) / kPage * kPage);
  void* raw =
      ::mmap(nullptr, mapped_ + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) fail("out of memory repacking {} of weights", format_bytes(size));
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (base + kHuge - 1) / kHuge * kHuge;
  if (start > base) ::munmap(raw, start - base);
  const uintptr_t end = base + mapped_ + kHuge;
  if (end > start + mapped_)
    ::munmap(reinterpret_cast<void*>(start + mapped_), end - start - mapped_);
  data_ = reinterpret_cast<uint8_t*>(start);
  if (mapped_ >= kHuge) ::madvise(data_, mapped_, MADV_HUGEPAGE);
}

PackedWeights::Buffer::~Buffer() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

PackedWeights::Buffer& PackedWeights::Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, mapped_);
    data_ = std::exchange(other.data_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

PackedWeights::PackedWeights(DType type, int64_t rows, int64_t cols, const void* data,
                             ThreadPool& pool, FloatPacking packing)
    : type_(type),
      packing_(packing),
      cols_(cols),
      groups_(rows / kPackRows),
      group_bytes_(packed_group_bytes(type, cols, packing)) {
  const uint64_t size = static_cast<uint64_t>(groups_ * group_bytes_);
  bytes_ = Buffer(size);
  const Packer* p = packer(type, packing);
  const uint64_t row_stride = row_bytes(type, cols);
  const auto* base = static_cast<const uint8_t*>(data);
  // The float packers take the value count; the block packers the block count.
  const int64_t blocks = p->block_values <= 2 ? cols : cols / p->block_values;
  pool.parallel_for(groups_, 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      const uint8_t* rows_ptr[kPackRows];
      for (int r = 0; r < kPackRows; ++r)
        rows_ptr[r] = base + static_cast<uint64_t>(g * kPackRows + r) * row_stride;
      p->pack(rows_ptr, blocks, bytes_.data() + g * group_bytes_);
    }
  });
}

}  // namespace yak::kernels::cpu
