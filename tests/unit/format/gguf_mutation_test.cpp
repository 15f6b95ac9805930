// Randomly corrupted copies of the real model must either parse or throw
// yak::Error: never crash, hang or read out of bounds (this suite also runs
// under ASan+UBSan). The seed is fixed so failures reproduce.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/mapped_file.h"
#include "format/gguf_file.h"
#include "unit/test_paths.h"

namespace yak::gguf {
namespace {

// A full parse of the model's metadata takes ~4 ms optimised but ~150 ms in a
// Debug+ASan build, which therefore gets fewer rounds of the same kinds.
// YAK_GGUF_MUTATION_ROUNDS overrides the count for longer runs.
#ifdef NDEBUG
constexpr int kDefaultRounds = 1500;
#else
constexpr int kDefaultRounds = 100;
#endif

int rounds() {
  if (const char* env = std::getenv("YAK_GGUF_MUTATION_ROUNDS")) return std::max(4, std::atoi(env));
  return kDefaultRounds;
}

struct Outcome {
  int parsed = 0;
  int rejected = 0;
};

// Touches every byte range the parse result claims, so ASan would flag a
// tensor view that points outside the buffer.
uint64_t touch(const File& f) {
  uint64_t sum = f.metadata().size();
  for (const TensorInfo& t : f.tensors()) sum += t.data[0] + t.data[t.size_bytes - 1];
  return sum;
}

void parse_one(std::span<const uint8_t> bytes, Outcome& out) {
  try {
    const File f = File::parse(bytes, "mutant.gguf");
    touch(f);
    ++out.parsed;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mutant.gguf: ", 0), 0u) << e.what();
    ++out.rejected;
  }
}

class GgufMutation : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = yak::test::default_model_path();
    ASSERT_TRUE(std::filesystem::exists(path)) << "default model missing: " << path;
    const MappedFile m(path);
    original_.assign(m.data(), m.data() + m.size());
    const File f = File::parse(original_, "original");
    header_end_ = f.data_offset();
  }

  // Positions where corruption does the most: the fixed header and the first
  // metadata entries, the tensor infos just before the data, or anywhere in
  // the metadata region (mostly inside vocabulary strings).
  uint64_t pick_position(std::mt19937_64& rng) const {
    const uint64_t tensor_infos = 24 * 1024;
    switch (rng() % 3) {
      case 0:
        return rng() % 4096;
      case 1:
        return header_end_ - 1 - rng() % tensor_infos;
      default:
        return rng() % header_end_;
    }
  }

  std::vector<uint8_t> original_;
  uint64_t header_end_ = 0;
};

TEST_F(GgufMutation, ByteFlipsInTheHeaderRegion) {
  const int n_rounds = rounds();
  std::mt19937_64 rng(20240601);
  std::vector<uint8_t> bytes = original_;
  Outcome out;
  for (int round = 0; round < n_rounds; ++round) {
    const int flips = 1 + static_cast<int>(rng() % 4);
    std::array<uint64_t, 4> where{};
    for (int i = 0; i < flips; ++i) {
      where[i] = pick_position(rng);
      bytes[where[i]] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    parse_one(bytes, out);
    for (int i = 0; i < flips; ++i) bytes[where[i]] = original_[where[i]];
  }
  EXPECT_GT(out.parsed, 0);
  EXPECT_GT(out.rejected, 0);
  EXPECT_EQ(bytes, original_);
}

TEST_F(GgufMutation, HugeValuesOverEightByteFields) {
  static constexpr uint64_t kHuge[] = {~0ull,      ~0ull >> 1,    1ull << 63, 1ull << 60,
                                       1ull << 32, 0xffffffffull, 1ull << 40, 0};
  const int n_rounds = rounds();
  std::mt19937_64 rng(77);
  std::vector<uint8_t> bytes = original_;
  Outcome out;
  for (int round = 0; round < n_rounds; ++round) {
    const uint64_t at = std::min(pick_position(rng), header_end_ - 8);
    const uint64_t value = rng() % 4 == 0 ? rng() : kHuge[rng() % std::size(kHuge)];
    std::memcpy(&bytes[at], &value, 8);
    parse_one(bytes, out);
    std::memcpy(&bytes[at], &original_[at], 8);
  }
  EXPECT_GT(out.rejected, n_rounds / 10);
  EXPECT_EQ(bytes, original_);
}

TEST_F(GgufMutation, Truncations) {
  std::mt19937_64 rng(4242);
  Outcome out;
  const int n = std::max(1, rounds() / 4);
  for (int round = 0; round < n; ++round) {
    // Half cut inside the header region, half anywhere in the file.
    const uint64_t size =
        round % 2 == 0 ? rng() % (header_end_ + 64) : rng() % (original_.size() + 1);
    if (size < (4u << 20)) {
      // An exact-size copy, so reading past the cut is an ASan error too.
      const std::vector<uint8_t> cut(original_.begin(), original_.begin() + size);
      parse_one(cut, out);
    } else {
      parse_one(std::span(original_).first(size), out);
    }
  }
  // Only a cut inside the last tensor's padding could parse; nearly all fail.
  EXPECT_GT(out.rejected, n * 9 / 10);
  Outcome whole;
  parse_one(original_, whole);
  EXPECT_EQ(whole.parsed, 1);
}

}  // namespace
}  // namespace yak::gguf
