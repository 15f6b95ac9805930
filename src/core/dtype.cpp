#include "core/dtype.h"

#include <array>

#include "core/error.h"

namespace yak {
namespace {

struct Entry {
  uint32_t id;
  DTypeTraits traits;
};

// Block layouts follow ggml: QK4_0 = QK4_1 = QK5_0 = QK5_1 = QK8_0 = QK4_NL = 32
// elements, K-quants and IQ4_XS use super-blocks of QK_K = 256 elements.
constexpr std::array kTypes = {
    Entry{0, {"F32", 1, 4, true}},       Entry{1, {"F16", 1, 2, true}},
    Entry{2, {"Q4_0", 32, 18, true}},    Entry{3, {"Q4_1", 32, 20, true}},
    Entry{6, {"Q5_0", 32, 22, true}},    Entry{7, {"Q5_1", 32, 24, true}},
    Entry{8, {"Q8_0", 32, 34, true}},    Entry{9, {"Q8_1", 32, 36, false}},
    Entry{10, {"Q2_K", 256, 84, true}},  Entry{11, {"Q3_K", 256, 110, true}},
    Entry{12, {"Q4_K", 256, 144, true}}, Entry{13, {"Q5_K", 256, 176, true}},
    Entry{14, {"Q6_K", 256, 210, true}}, Entry{15, {"Q8_K", 256, 292, false}},
    Entry{20, {"IQ4_NL", 32, 18, true}}, Entry{23, {"IQ4_XS", 256, 136, true}},
    Entry{24, {"I8", 1, 1, false}},      Entry{25, {"I16", 1, 2, false}},
    Entry{26, {"I32", 1, 4, false}},     Entry{27, {"I64", 1, 8, false}},
    Entry{28, {"F64", 1, 8, false}},     Entry{30, {"BF16", 1, 2, true}},
};

}  // namespace

std::optional<DTypeTraits> dtype_traits(uint32_t id) {
  for (const auto& e : kTypes)
    if (e.id == id) return e.traits;
  return std::nullopt;
}

const DTypeTraits& traits(DType type) {
  for (const auto& e : kTypes)
    if (e.id == static_cast<uint32_t>(type)) return e.traits;
  fail("internal error: unknown dtype id {}", static_cast<uint32_t>(type));
}

std::optional<uint64_t> row_bytes_checked(DType type, uint64_t n) {
  const auto t = dtype_traits(static_cast<uint32_t>(type));
  if (!t) return std::nullopt;
  const auto bs = static_cast<uint64_t>(t->block_size);
  if (n % bs != 0) return std::nullopt;
  const uint64_t blocks = n / bs;
  const auto bb = static_cast<uint64_t>(t->block_bytes);
  if (blocks > UINT64_MAX / bb) return std::nullopt;
  return blocks * bb;
}

uint64_t row_bytes(DType type, int64_t n) {
  const auto& t = traits(type);
  YAK_CHECK(n % t.block_size == 0);
  return static_cast<uint64_t>(n / t.block_size) * static_cast<uint64_t>(t.block_bytes);
}

}  // namespace yak
