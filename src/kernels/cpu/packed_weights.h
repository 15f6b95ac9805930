// Weights repacked at load for the fast path's tile kernels: groups of
// kPackRows rows interleaved so that one 32-byte vector holds 4 consecutive
// codes of each of 8 rows. A byte dot product of that vector against 4
// activation bytes broadcast to every lane then yields 8 rows' partial sums in
// 8 lanes at once, so no horizontal sums are needed, the rows' scales load as
// one vector, and every weight vector serves several tokens of a batch.
//
// Layout of one group, per 32-value block (one BlockQ8A of activations):
//   code vector k (k = 0..7) covers values 4k..4k+3; byte 4r + j of it is the
//   code of value 4k + j of row r. Nibble types store two code vectors per 32
//   bytes: vector i (0..3) holds code vector i in its low nibbles and code
//   vector i + 4 in its high nibbles.
//
//   Q4_0  d[8] fp16 | nibbles[4][32]                         144 B  (8 x 18)
//   Q4_1  d[8] fp16 | m[8] fp16 | nibbles[4][32]             160 B  (8 x 20)
//   Q5_0  d[8] fp16 | nibbles[4][32] | bit4 masks u32[8]     176 B  (8 x 22)
//         mask k bit (4r + j) = bit 4 of the code of value 4k + j of row r
//   Q5_1  d[8] fp16 | m[8] fp16 | nibbles[4][32] | bit4 masks u32[8]
//                                                            192 B  (8 x 24)
//   Q8_0  d[8] fp16 | codes[8][32] stored as q + 128         272 B  (8 x 34)
// and per 256-value super-block:
//   Q4_K  d[8] fp16 | dmin[8] fp16 | scale[8 sub][8 rows] u8 | min[8][8] u8 |
//         8 x nibbles[4][32]                                 1184 B (8 x 144 + 32)
//   Q5_K  the Q4_K layout | 8 x bit4 masks u32[8] (as Q5_0's, per sub-block)
//                                                            1440 B (8 x 176 + 32)
//   Q6_K  d[8] fp16 | scale[16 sub][8 rows] i8 | 8 x (nibbles[4][32] |
//         high[2][32]) where byte 4r + j of high[k / 4] holds, in bits
//         2(k % 4)..+1, the top two bits of code vector k's byte 4r + j  1680 B (8 x 210)
//   Q2_K  d[8] fp16 | dmin[8] fp16 | scales[16 sub][8 rows] u8 (scale | min << 4) |
//         8 x crumbs[2][32]: byte 4r + j of crumbs[i] holds code vectors i, i + 2,
//         i + 4, i + 6's bytes 4r + j in bits 0-1, 2-3, 4-5, 6-7   672 B (8 x 84)
//   Q3_K  d[8] fp16 | scale[16 sub][8 rows] i8 (unbiased) | 8 x (crumbs[2][32] |
//         bit2 masks u32[8]); codes 0..7 stand for -4..3            912 B (8 x 110 + 32)
//   IQ4_NL  as Q4_0 (the nibbles are indices into the 16 levels)   144 B  (8 x 18)
// and per 256-value super-block:
//   IQ4_XS  d[8] fp16 | scale[8 sub][8 rows] i8 (unbiased) | 8 x nibbles[4][32]
//                                                            1104 B (8 x 136 + 16)
// and for F16 rows, one of two packings (FloatPacking):
//   kF16         per value k: the 8 rows' halves, 16 B (a float vector of the 8
//                rows' weights, multiplied by token values broadcast to every lane)
//   kBf16Pairs   per pair of values 2p, 2p+1: the 8 rows' pairs rounded to
//                bf16, 32 B (for vdpbf16ps against a broadcast pair of bf16
//                token values); an odd last value is paired with 0.
// BF16 rows have the kBf16Pairs layout only (their values copied as they are).
// Codes are unsigned (the dot instructions take unsigned weights against
// signed activations); each kernel subtracts the zero point times the
// activation block's sum, as the scalar reference's signed codes imply. The
// IQ4 kernels look their levels up from the nibbles at run time (biased by 128
// where VNNI's 32-bit sums allow it, else signed for the sign trick).
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/thread_pool.h"

namespace yak::kernels::cpu {

inline constexpr int kPackRows = 8;

enum class FloatPacking : uint8_t { kF16, kBf16Pairs };

// True if `type` has a packed layout in `packing` (for float types; the
// quantized types have one layout) and `cols` fits its block size.
bool packable(DType type, int64_t cols, FloatPacking packing = FloatPacking::kF16);

// Bytes of one packed group of kPackRows rows of `cols` values.
int64_t packed_group_bytes(DType type, int64_t cols, FloatPacking packing = FloatPacking::kF16);

// The first rows / kPackRows * kPackRows rows of a weight, repacked; the rest
// of the rows stay with the unpacked kernels.
class PackedWeights {
 public:
  // `rows` rows of `cols` values of `type`, row r at data + r * row_bytes.
  PackedWeights(DType type, int64_t rows, int64_t cols, const void* data, ThreadPool& pool,
                FloatPacking packing = FloatPacking::kF16);

  DType type() const { return type_; }
  FloatPacking float_packing() const { return packing_; }
  int64_t cols() const { return cols_; }
  int64_t groups() const { return groups_; }
  int64_t group_bytes() const { return group_bytes_; }
  const uint8_t* group(int64_t g) const { return bytes_.data() + g * group_bytes_; }
  uint64_t size_bytes() const { return static_cast<uint64_t>(groups_ * group_bytes_); }

 private:
  // Anonymous memory of its own, in huge pages where the kernel allows.
  class Buffer {
   public:
    Buffer() = default;
    explicit Buffer(uint64_t size);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(Buffer&& other) noexcept;
    uint8_t* data() const { return data_; }

   private:
    uint8_t* data_ = nullptr;
    uint64_t mapped_ = 0;
  };

  DType type_;
  FloatPacking packing_;
  int64_t cols_;
  int64_t groups_;
  int64_t group_bytes_;
  Buffer bytes_;
};

}  // namespace yak::kernels::cpu
