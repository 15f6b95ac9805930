// Tensor element types. The numeric ids are those of GGUF files (ggml_type),
// so a type id read from a file maps to this enum without a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace yak {

enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ4_NL = 20,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

struct DTypeTraits {
  std::string_view name;
  int64_t block_size;  // elements per block (1 for plain types)
  int64_t block_bytes; // bytes per block
  bool supported;      // Yak can dequantize and compute with it
};

// Traits of a known type id, or nullopt for an id Yak does not know.
std::optional<DTypeTraits> dtype_traits(uint32_t id);
const DTypeTraits& traits(DType type);
inline std::string_view dtype_name(DType type) { return traits(type).name; }

// Bytes of a row of n elements; nullopt when n is not a multiple of the block
// size or the size overflows. Used to validate shapes from untrusted files.
std::optional<uint64_t> row_bytes_checked(DType type, uint64_t n);
// Same, for sizes already validated.
uint64_t row_bytes(DType type, int64_t n);

}  // namespace yak
