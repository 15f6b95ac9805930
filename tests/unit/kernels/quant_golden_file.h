// Reader of the golden files written by tools/golden/make_quant_golden.py (the
// format is documented there). A missing or malformed file throws, which fails
// the test that reads it with the reason.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "unit/test_paths.h"

namespace yak::test {

enum class QuantGoldenKind : uint32_t {
  kDequantize = 1,
  kQuantize = 2,
  kConversions = 3,
  kModel = 4,
};

// Checksum of a sequence of bit patterns, as defined by make_quant_golden.py.
class BitsChecksum {
 public:
  void add(uint32_t bits) {
    sum_ += (static_cast<uint64_t>(bits) + 1) * (2 * count_ + 1);
    ++count_;
  }
  void add_float(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    add(bits);
  }
  uint64_t value() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t sum_ = 0;
  uint64_t count_ = 0;
};

class QuantGoldenFile {
 public:
  QuantGoldenFile(const std::string& relative, QuantGoldenKind kind)
      : path_(source_path("tests/golden/quant/" + relative)) {
    std::ifstream in(path_, std::ios::binary);
    if (!in)
      fail("golden file {} is missing; run tools/golden/make_quant_golden.py", path_);
    data_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (data_.size() < 12 || std::memcmp(data_.data(), "YQGD", 4) != 0)
      fail("{}: not a quant golden file (bad magic)", path_);
    pos_ = 4;
    if (const uint32_t v = u32(); v != 1) fail("{}: unsupported golden version {}", path_, v);
    if (const uint32_t k = u32(); k != static_cast<uint32_t>(kind))
      fail("{}: golden kind {} where {} was expected", path_, k, static_cast<uint32_t>(kind));
  }

  const std::string& path() const { return path_; }
  bool at_end() const { return pos_ == data_.size(); }

  uint32_t u32() { return scalar<uint32_t>(); }
  uint64_t u64() { return scalar<uint64_t>(); }

  std::vector<uint8_t> bytes(uint64_t n) {
    need(n);
    std::vector<uint8_t> out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
                             data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }

  std::vector<float> floats(uint64_t n) {
    need(n * sizeof(float));
    std::vector<float> out(n);
    std::memcpy(out.data(), data_.data() + pos_, n * sizeof(float));
    pos_ += n * sizeof(float);
    return out;
  }

  // A NUL-padded string field of `width` bytes.
  std::string name(uint64_t width) {
    const auto raw = bytes(width);
    const char* s = reinterpret_cast<const char*>(raw.data());
    return std::string(s, strnlen(s, width));
  }

 private:
  template <typename T>
  T scalar() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }

  void need(uint64_t n) const {
    if (n > data_.size() - pos_) fail("{}: truncated at byte {}", path_, pos_);
  }

  std::string path_;
  std::vector<uint8_t> data_;
  uint64_t pos_ = 0;
};

}  // namespace yak::test
