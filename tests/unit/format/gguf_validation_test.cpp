// One crafted file per validation rule: each must fail with a yak::Error that
// names the problem and the offset of the bad field.
#include <gtest/gtest.h>

#include <chrono>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/format/gguf_test_util.h"

namespace yak::gguf {
namespace {

using test::Bytes;
using test::expect_parse_error;
using test::parse_bytes;

constexpr uint64_t kHeaderBytes = 24;
constexpr uint32_t kF32 = 0;
constexpr uint32_t kQ8_0 = 8;

// A file with one metadata entry: KEY of TYPE; the caller appends the value.
Bytes one_kv(std::string_view key, ValueType type) {
  Bytes b;
  b.header(0, 1).key(key, type);
  return b;
}

// Offset of the value of the first metadata entry with key `key`.
uint64_t first_value_offset(std::string_view key) { return kHeaderBytes + 8 + key.size() + 4; }

TEST(GgufValidation, BadMagic) {
  Bytes b;
  b.raw("GGML").u32(3).u64(0).u64(0);
  expect_parse_error(b.data, 0, "bad magic");
}

TEST(GgufValidation, EmptyAndTinyFilesAreTruncated) {
  expect_parse_error({}, 0, "truncated file");
  expect_parse_error({'G', 'G'}, 0, "truncated file");
  Bytes b;
  b.raw("GGUF").u32(3).u32(0);
  expect_parse_error(b.data, 8, "truncated file: tensor count needs 8 bytes, only 4 left");
}

TEST(GgufValidation, VersionOneIsRejected) {
  Bytes b;
  b.header(0, 0, 1);
  expect_parse_error(b.data, 4, "GGUF version 1 is not supported");
}

TEST(GgufValidation, UnknownVersionIsRejected) {
  Bytes b;
  b.header(0, 0, 4);
  expect_parse_error(b.data, 4, "unsupported GGUF version 4");
}

TEST(GgufValidation, BigEndianIsRejected) {
  Bytes b;
  b.raw("GGUF").u32(0x03000000).u64(0).u64(0);
  expect_parse_error(b.data, 4, "big-endian GGUF file");
}

TEST(GgufValidation, VersionTwoIsAccepted) {
  Bytes b;
  b.header(0, 1, 2).key("k", ValueType::U32).u32(5);
  const File f = parse_bytes(b.data);
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.require("k").as_u32(), 5u);
}

TEST(GgufValidation, TensorCountOverLimitOrPastTheFile) {
  Bytes b;
  b.header(1u << 20, 0);
  expect_parse_error(b.data, 8, "tensor count 1048576 is over the limit of 65536");
  Bytes c;
  c.header(100, 0).zeros(64);
  expect_parse_error(c.data, 8, "tensor count 100 cannot fit");
}

TEST(GgufValidation, MetadataCountOverLimitOrPastTheFile) {
  Bytes b;
  b.header(0, 1ull << 62);
  expect_parse_error(b.data, 16, "metadata count 4611686018427387904 is over the limit");
  Bytes c;
  c.header(0, 1000).zeros(100);
  expect_parse_error(c.data, 16, "metadata count 1000 cannot fit");
}

TEST(GgufValidation, TruncatedValue) {
  Bytes b = one_kv("key", ValueType::U64);
  b.u32(7);
  expect_parse_error(b.data, first_value_offset("key"),
                     "truncated file: U64 value needs 8 bytes, only 4 left (in metadata key key)");
}

TEST(GgufValidation, StringRunsPastTheFile) {
  Bytes b = one_kv("name", ValueType::STRING);
  b.u64(100).raw("short");
  expect_parse_error(b.data, first_value_offset("name"), "string value of 100 bytes runs past");
}

TEST(GgufValidation, StringOverTheLimit) {
  Bytes b = one_kv("name", ValueType::STRING);
  b.str(std::string(40, 'x'));
  Limits limits;
  limits.max_string_bytes = 32;
  expect_parse_error(b.data, first_value_offset("name"),
                     "string value is 40 bytes long, over the limit of 32", limits);
  Bytes huge = one_kv("name", ValueType::STRING);
  huge.u64(~0ull);
  expect_parse_error(huge.data, first_value_offset("name"), "over the limit");
}

TEST(GgufValidation, KeyLengthOverTheLimitOrPastTheFile) {
  Bytes b;
  b.header(0, 1).str(std::string(2000, 'k')).u32(4).u32(0);
  expect_parse_error(b.data, kHeaderBytes, "metadata key is 2000 bytes long, over the limit");
  Bytes c;
  c.header(0, 1).u64(500).raw("abcdefghijklmn");
  expect_parse_error(c.data, kHeaderBytes, "metadata key of 500 bytes runs past");
}

TEST(GgufValidation, EmptyKey) {
  Bytes b;
  b.header(0, 1).str("").u32(4).u32(0);
  expect_parse_error(b.data, kHeaderBytes, "empty metadata key");
}

TEST(GgufValidation, DuplicateKey) {
  Bytes b;
  b.header(0, 2).key("a.b", ValueType::U8).u8(1);
  const uint64_t second = b.size();
  b.key("a.b", ValueType::U8).u8(2);
  expect_parse_error(b.data, second, "duplicate metadata key a.b");
}

TEST(GgufValidation, InvalidValueTypeId) {
  Bytes b = one_kv("k", static_cast<ValueType>(13));
  b.u32(0);
  expect_parse_error(b.data, kHeaderBytes + 8 + 1, "invalid value type id 13 (in metadata key k)");
}

TEST(GgufValidation, InvalidArrayElementTypeId) {
  Bytes b = one_kv("k", ValueType::ARRAY);
  b.u32(0xdeadbeef).u64(1).u32(0);
  expect_parse_error(b.data, first_value_offset("k"), "invalid value type id 3735928559");
}

TEST(GgufValidation, InvalidBool) {
  Bytes b = one_kv("flag", ValueType::BOOL);
  b.u8(2);
  expect_parse_error(b.data, first_value_offset("flag"), "invalid BOOL value 2");
}

TEST(GgufValidation, HugeArrayCountFailsFastWithoutAllocating) {
  Bytes b = one_kv("arr", ValueType::ARRAY);
  b.u32(static_cast<uint32_t>(ValueType::U8)).u64(1ull << 60).zeros(1000);
  Limits no_item_limit;  // only the file size stands in the way
  no_item_limit.max_array_items = ~0ull;
  no_item_limit.max_total_array_items = ~0ull;
  const auto start = std::chrono::steady_clock::now();
  expect_parse_error(b.data, first_value_offset("arr") + 4, "cannot fit in the 1000 bytes left",
                     no_item_limit);
  expect_parse_error(b.data, first_value_offset("arr") + 4, "over the limit of 16777216");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(GgufValidation, ArrayCountCountsMinimumItemSize) {
  // 10 strings need at least 80 bytes (their lengths); 50 are there.
  Bytes b = one_kv("arr", ValueType::ARRAY);
  b.u32(static_cast<uint32_t>(ValueType::STRING)).u64(10).zeros(50);
  expect_parse_error(b.data, first_value_offset("arr") + 4,
                     "array of 10 STRING items cannot fit in the 50 bytes left");
}

TEST(GgufValidation, TotalArrayItemsOverTheLimit) {
  Bytes b;
  b.header(0, 2).key("a", ValueType::ARRAY).u32(0).u64(6).zeros(6);
  const uint64_t second_count = b.size() + 8 + 1 + 4 + 4;
  b.key("b", ValueType::ARRAY).u32(0).u64(6).zeros(6);
  Limits limits;
  limits.max_total_array_items = 10;
  expect_parse_error(b.data, second_count, "over the limit of 10 array items", limits);
}

TEST(GgufValidation, MetadataMemoryOverTheLimit) {
  // 200 one-byte items are 200 bytes in the file but ~50x that once parsed.
  Bytes b = one_kv("arr", ValueType::ARRAY);
  b.u32(static_cast<uint32_t>(ValueType::U8)).u64(200).zeros(200);
  Limits limits;
  limits.max_metadata_bytes = 4u << 10;
  expect_parse_error(b.data, first_value_offset("arr") + 4,
                     "parsed metadata would take more than the limit of 4096 bytes", limits);
  // Strings count with their bytes.
  Bytes s = one_kv("name", ValueType::STRING);
  s.str(std::string(5000, 'x'));
  expect_parse_error(s.data, first_value_offset("name"), "more than the limit", limits);
  limits.max_metadata_bytes = 1u << 20;
  EXPECT_EQ(parse_bytes(b.data, limits).require("arr").as_array().items.size(), 200u);
}

TEST(GgufValidation, ArraysNestedTooDeep) {
  Bytes b = one_kv("deep", ValueType::ARRAY);
  // Levels 1..4 are arrays of arrays with one item; level 5 breaks the limit.
  for (int level = 1; level <= 4; ++level) b.u32(static_cast<uint32_t>(ValueType::ARRAY)).u64(1);
  const uint64_t fifth = b.size();
  b.u32(0).u64(0);
  expect_parse_error(b.data, fifth, "arrays nested deeper than the limit of 4 levels");

  Bytes ok = one_kv("deep", ValueType::ARRAY);
  for (int level = 1; level <= 3; ++level) ok.u32(static_cast<uint32_t>(ValueType::ARRAY)).u64(1);
  ok.u32(0).u64(1).u8(9);
  EXPECT_EQ(parse_bytes(ok.data).require("deep").as_array().element_type, ValueType::ARRAY);
}

TEST(GgufValidation, AlignmentMustBeAPowerOfTwo) {
  for (uint32_t bad : {0u, 48u, 33u}) {
    Bytes b = one_kv("general.alignment", ValueType::U32);
    b.u32(bad);
    expect_parse_error(
        b.data, first_value_offset("general.alignment") - 4,
        "general.alignment must be a non-zero 32-bit power of two, got " + std::to_string(bad));
  }
  Bytes neg = one_kv("general.alignment", ValueType::I32);
  neg.u32(static_cast<uint32_t>(-64));
  expect_parse_error(neg.data, first_value_offset("general.alignment") - 4, "got -64");
  Bytes str = one_kv("general.alignment", ValueType::STRING);
  str.str("32");
  expect_parse_error(str.data, first_value_offset("general.alignment") - 4,
                     "general.alignment must be an integer, got a STRING");
  Bytes ok = one_kv("general.alignment", ValueType::U32);
  ok.u32(64);
  EXPECT_EQ(parse_bytes(ok.data).alignment(), 64u);
}

// A file with one tensor info (fields given) and `data_bytes` of data.
struct OneTensor {
  Bytes bytes;
  uint64_t name_pos, n_dims_pos, dims_pos, type_pos, offset_pos;
};

OneTensor one_tensor(std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data_bytes,
                     std::string_view name = "w") {
  OneTensor t;
  t.bytes.header(1, 0);
  t.name_pos = t.bytes.size();
  t.n_dims_pos = t.name_pos + 8 + name.size();
  t.dims_pos = t.n_dims_pos + 4;
  t.type_pos = t.dims_pos + 8 * dims.size();
  t.offset_pos = t.type_pos + 4;
  t.bytes.tensor(name, dims, type, offset).pad_to(32).zeros(data_bytes);
  return t;
}

TEST(GgufValidation, ValidSingleTensor) {
  const OneTensor t = one_tensor({4, 2}, kF32, 0, 32);
  const File f = parse_bytes(t.bytes.data);
  ASSERT_EQ(f.tensors().size(), 1u);
  EXPECT_EQ(f.data_offset(), 96u);  // 24 header + 41 tensor info, aligned
  EXPECT_EQ(f.tensors()[0].size_bytes, 32u);
}

TEST(GgufValidation, UnknownTensorType) {
  const OneTensor t = one_tensor({4}, 99, 0, 64);
  expect_parse_error(t.bytes.data, t.type_pos, "unknown tensor type id 99 (in tensor w)");
  const OneTensor removed = one_tensor({32}, 4, 0, 64);  // ids 4 and 5 were removed from ggml
  expect_parse_error(removed.bytes.data, removed.type_pos, "unknown tensor type id 4");
}

TEST(GgufValidation, DimensionCount) {
  const OneTensor zero = one_tensor({}, kF32, 0, 64);
  expect_parse_error(zero.bytes.data, zero.n_dims_pos, "dimension count 0 is not in 1..4");
  const OneTensor five = one_tensor({1, 1, 1, 1, 1}, kF32, 0, 64);
  expect_parse_error(five.bytes.data, five.n_dims_pos, "dimension count 5 is not in 1..4");
}

TEST(GgufValidation, DimensionsMustBePositive) {
  const OneTensor zero = one_tensor({4, 0}, kF32, 0, 64);
  expect_parse_error(zero.bytes.data, zero.dims_pos + 8, "dimension 1 is 0");
  const OneTensor neg = one_tensor({static_cast<uint64_t>(-4)}, kF32, 0, 64);
  expect_parse_error(neg.bytes.data, neg.dims_pos, "dimension 0 is -4");
}

TEST(GgufValidation, ElementCountOverflow) {
  const OneTensor t = one_tensor({1ull << 31, 1ull << 31, 4}, kF32, 0, 64);
  expect_parse_error(t.bytes.data, t.dims_pos + 16, "element count overflows");
}

TEST(GgufValidation, ByteSizeOverflow) {
  // 2^62 F32 elements fit int64 but their 2^64 bytes do not fit uint64.
  const OneTensor t = one_tensor({1ull << 31, 1ull << 31}, kF32, 0, 64);
  expect_parse_error(t.bytes.data, t.dims_pos, "size in bytes overflows");
}

TEST(GgufValidation, RowLengthNotABlockMultiple) {
  const OneTensor t = one_tensor({48, 2}, kQ8_0, 0, 256);
  expect_parse_error(t.bytes.data, t.dims_pos,
                     "row length 48 is not a multiple of the block size 32 of Q8_0");
}

TEST(GgufValidation, IQ4TypesHaveTheirBlockSizes) {
  // IQ4_NL (id 20): 18 bytes per 32 values; IQ4_XS (id 23): 136 bytes per 256.
  const OneTensor nl = one_tensor({64, 3}, 20, 0, 6 * 18);
  EXPECT_EQ(parse_bytes(nl.bytes.data).tensors().at(0).size_bytes, 6u * 18);
  EXPECT_EQ(parse_bytes(nl.bytes.data).tensors().at(0).type, DType::IQ4_NL);
  const OneTensor xs = one_tensor({512, 2}, 23, 0, 4 * 136);
  EXPECT_EQ(parse_bytes(xs.bytes.data).tensors().at(0).size_bytes, 4u * 136);
  EXPECT_TRUE(traits(DType::IQ4_XS).supported);
  const OneTensor bad = one_tensor({576, 2}, 23, 0, 1024);
  expect_parse_error(bad.bytes.data, bad.dims_pos,
                     "row length 576 is not a multiple of the block size 256 of IQ4_XS");
}

TEST(GgufValidation, TensorDataPastTheEnd) {
  const OneTensor t = one_tensor({16}, kF32, 0, 63);
  expect_parse_error(t.bytes.data, t.offset_pos,
                     "tensor w data (64 bytes at data offset 0) runs past");
  const OneTensor far = one_tensor({1}, kF32, 1ull << 62, 64);
  expect_parse_error(far.bytes.data, far.offset_pos, "runs past the end of the file");
  const OneTensor wrap = one_tensor({1}, kF32, ~0ull - 31, 64);
  expect_parse_error(wrap.bytes.data, wrap.offset_pos, "runs past the end of the file");
}

TEST(GgufValidation, DataSectionPastTheEnd) {
  Bytes b;
  b.header(1, 0).tensor("w", {1}, kF32, 0);  // no padding, no data
  expect_parse_error(b.data, b.size(), "tensor data section would start at");
}

TEST(GgufValidation, TensorOffsetNotAligned) {
  const OneTensor t = one_tensor({1}, kF32, 4, 64);
  expect_parse_error(t.bytes.data, t.offset_pos,
                     "tensor data offset 4 is not a multiple of the alignment 32");
}

TEST(GgufValidation, OverlappingTensorData) {
  Bytes b;
  b.header(2, 0).tensor("a", {16}, kF32, 0);
  const uint64_t b_offset_pos = b.size() + 8 + 1 + 4 + 8 + 4;
  b.tensor("b", {8}, kF32, 32).pad_to(32).zeros(128);
  expect_parse_error(b.data, b_offset_pos, "tensor b data [32, 64) overlaps tensor a data [0, 64)");
}

TEST(GgufValidation, DuplicateTensorName) {
  Bytes b;
  b.header(2, 0).tensor("a", {8}, kF32, 0);
  const uint64_t second = b.size();
  b.tensor("a", {8}, kF32, 32).pad_to(32).zeros(64);
  expect_parse_error(b.data, second, "duplicate tensor name a");
}

TEST(GgufValidation, EmptyOrOverlongTensorName) {
  const OneTensor empty = one_tensor({1}, kF32, 0, 64, "");
  expect_parse_error(empty.bytes.data, empty.name_pos, "empty tensor name");
  const std::string long_name(1025, 'n');
  const OneTensor overlong = one_tensor({1}, kF32, 0, 64, long_name);
  expect_parse_error(overlong.bytes.data, overlong.name_pos, "tensor name is 1025 bytes long");
}

TEST(GgufValidation, TruncatedTensorInfo) {
  OneTensor t = one_tensor({4}, kF32, 0, 0, "long_tensor_name");
  t.bytes.data.resize(t.type_pos + 2);
  expect_parse_error(t.bytes.data, t.type_pos, "truncated file: tensor type needs 4 bytes");
}

TEST(GgufValidation, KnownButUnsupportedTypeParses) {
  // Q8_1 and I32 are known ids without kernels: listing them is the user's
  // business (yak inspect); refusing them is the model loader's, at use time.
  const OneTensor t = one_tensor({32}, 9, 0, 64);
  const File f = parse_bytes(t.bytes.data);
  EXPECT_EQ(f.tensors().at(0).type, DType::Q8_1);
  EXPECT_FALSE(traits(f.tensors().at(0).type).supported);
}

TEST(GgufValidation, NoTensorsNeedsNoPadding) {
  Bytes b;
  b.header(0, 1).key("k", ValueType::U8).u8(1);
  const File f = parse_bytes(b.data);
  EXPECT_TRUE(f.tensors().empty());
}

TEST(GgufValidation, RequireNamesTheMissingKeyAndTensor) {
  Writer w;
  w.set("present", Value::u8(1));
  const auto bytes = w.to_bytes();
  const File f = File::parse(bytes, "model.gguf");
  EXPECT_EQ(f.find("absent"), nullptr);
  try {
    f.require("llama.block_count");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model.gguf: missing required key llama.block_count");
  }
  try {
    f.require_tensor("output.weight");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model.gguf: missing tensor output.weight");
  }
}

}  // namespace
}  // namespace yak::gguf
