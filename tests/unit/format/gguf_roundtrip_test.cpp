// The writer's output read back by the reader: every value type, nested
// arrays, tensors, alignment, and the writer's own checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numeric>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/format/gguf_test_util.h"

namespace yak::gguf {
namespace {

using test::parse_bytes;

std::vector<uint8_t> iota_bytes(size_t n, uint8_t start = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(GgufRoundTrip, EveryScalarType) {
  Writer w;
  w.set("u8", Value::u8(250));
  w.set("i8", Value::i8(-120));
  w.set("u16", Value::u16(65000));
  w.set("i16", Value::i16(-32000));
  w.set("u32", Value::u32(4000000000u));
  w.set("i32", Value::i32(-2000000000));
  w.set("u64", Value::u64(std::numeric_limits<uint64_t>::max()));
  w.set("i64", Value::i64(std::numeric_limits<int64_t>::min()));
  w.set("f32", Value::f32(1.5e-5f));
  w.set("f64", Value::f64(-3.141592653589793));
  w.set("bool_t", Value::boolean(true));
  w.set("bool_f", Value::boolean(false));
  w.set("str", Value::string("h\xc3\xa9llo\n\0x"));
  w.set("empty_str", Value::string(""));
  const auto bytes = w.to_bytes();
  const File f = parse_bytes(bytes);

  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.metadata().size(), 14u);
  EXPECT_EQ(f.require("u8").type(), ValueType::U8);
  EXPECT_EQ(f.require("u8").as_u64(), 250u);
  EXPECT_EQ(f.require("i8").type(), ValueType::I8);
  EXPECT_EQ(f.require("i8").as_i64(), -120);
  EXPECT_EQ(f.require("u16").as_u32(), 65000u);
  EXPECT_EQ(f.require("i16").as_i64(), -32000);
  EXPECT_EQ(f.require("u32").as_u32(), 4000000000u);
  EXPECT_EQ(f.require("i32").as_i64(), -2000000000);
  EXPECT_EQ(f.require("u64").as_u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f.require("i64").as_i64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.require("f32").type(), ValueType::F32);
  EXPECT_EQ(static_cast<float>(f.require("f32").as_f64()), 1.5e-5f);
  EXPECT_EQ(f.require("f64").as_f64(), -3.141592653589793);
  EXPECT_TRUE(f.require("bool_t").as_bool());
  EXPECT_FALSE(f.require("bool_f").as_bool());
  EXPECT_EQ(f.require("str").as_string(), std::string("h\xc3\xa9llo\n\0x"));
  EXPECT_EQ(f.require("empty_str").as_string(), "");
  EXPECT_TRUE(f.tensors().empty());
}

TEST(GgufRoundTrip, MetadataKeepsInsertionOrderAndReplacesInPlace) {
  Writer w;
  w.set("zeta", Value::u32(1));
  w.set("alpha", Value::u32(2));
  w.set("mid", Value::u32(3));
  w.set("zeta", Value::u32(9));
  const File f = parse_bytes(w.to_bytes());
  ASSERT_EQ(f.metadata().size(), 3u);
  EXPECT_EQ(f.metadata()[0].first, "zeta");
  EXPECT_EQ(f.metadata()[0].second.as_u32(), 9u);
  EXPECT_EQ(f.metadata()[1].first, "alpha");
  EXPECT_EQ(f.metadata()[2].first, "mid");
}

TEST(GgufRoundTrip, ArraysOfEveryTypeAndNestedArrays) {
  Writer w;
  w.set("a_u8", Value::array(ValueType::U8, {Value::u8(1), Value::u8(255)}));
  w.set("a_i8", Value::array(ValueType::I8, {Value::i8(-1)}));
  w.set("a_u16", Value::array(ValueType::U16, {Value::u16(7)}));
  w.set("a_i16", Value::array(ValueType::I16, {Value::i16(-7)}));
  w.set("a_u32", Value::array(ValueType::U32, {Value::u32(1), Value::u32(2), Value::u32(3)}));
  w.set("a_i32", Value::array(ValueType::I32, {Value::i32(-5), Value::i32(5)}));
  w.set("a_u64", Value::array(ValueType::U64, {Value::u64(1ull << 40)}));
  w.set("a_i64", Value::array(ValueType::I64, {Value::i64(-(1ll << 40))}));
  w.set("a_f32", Value::array(ValueType::F32, {Value::f32(0.5f), Value::f32(-2.25f)}));
  w.set("a_f64", Value::array(ValueType::F64, {Value::f64(1e300)}));
  w.set("a_bool", Value::array(ValueType::BOOL, {Value::boolean(true), Value::boolean(false)}));
  w.set("a_str", Value::array(ValueType::STRING, {Value::string("a"), Value::string("")}));
  w.set("a_empty", Value::array(ValueType::F32, {}));
  const Value inner1 = Value::array(ValueType::I32, {Value::i32(1), Value::i32(2)});
  const Value inner2 = Value::array(ValueType::STRING, {Value::string("x")});
  const Value deep = Value::array(
      ValueType::ARRAY, {Value::array(ValueType::ARRAY, {Value::array(ValueType::U8, {})})});
  w.set("a_nested", Value::array(ValueType::ARRAY, {inner1, inner2}));
  w.set("a_deep", Value::array(ValueType::ARRAY, {deep}));
  const File f = parse_bytes(w.to_bytes());

  EXPECT_EQ(f.require("a_u8").as_int_array(), (std::vector<int64_t>{1, 255}));
  EXPECT_EQ(f.require("a_i8").as_int_array(), (std::vector<int64_t>{-1}));
  EXPECT_EQ(f.require("a_u16").as_int_array(), (std::vector<int64_t>{7}));
  EXPECT_EQ(f.require("a_i16").as_int_array(), (std::vector<int64_t>{-7}));
  EXPECT_EQ(f.require("a_u32").as_int_array(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(f.require("a_i32").as_int_array(), (std::vector<int64_t>{-5, 5}));
  EXPECT_EQ(f.require("a_u64").as_int_array(), (std::vector<int64_t>{1ll << 40}));
  EXPECT_EQ(f.require("a_i64").as_int_array(), (std::vector<int64_t>{-(1ll << 40)}));
  EXPECT_EQ(f.require("a_f32").as_float_array(), (std::vector<float>{0.5f, -2.25f}));
  EXPECT_EQ(f.require("a_f64").as_array().items.at(0).as_f64(), 1e300);
  const auto& bools = f.require("a_bool").as_array();
  EXPECT_EQ(bools.element_type, ValueType::BOOL);
  EXPECT_TRUE(bools.items.at(0).as_bool());
  EXPECT_FALSE(bools.items.at(1).as_bool());
  EXPECT_EQ(f.require("a_str").as_string_array(), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(f.require("a_empty").as_array().element_type, ValueType::F32);
  EXPECT_TRUE(f.require("a_empty").as_array().items.empty());

  const auto& nested = f.require("a_nested").as_array();
  ASSERT_EQ(nested.element_type, ValueType::ARRAY);
  ASSERT_EQ(nested.items.size(), 2u);
  EXPECT_EQ(nested.items[0].as_int_array(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(nested.items[1].as_string_array(), (std::vector<std::string>{"x"}));
  const auto& d1 = f.require("a_deep").as_array().items.at(0).as_array();
  const auto& d2 = d1.items.at(0).as_array();
  const auto& d3 = d2.items.at(0).as_array();
  EXPECT_EQ(d3.element_type, ValueType::U8);
  EXPECT_TRUE(d3.items.empty());
}

TEST(GgufRoundTrip, TensorsAreAlignedAndPointIntoTheBuffer) {
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  const auto a = iota_bytes(4 * 3 * 2);          // F32 [3, 2]
  const auto b = iota_bytes(34 * 2, 100);        // Q8_0 [32, 2]
  const auto c = iota_bytes(2 * 5, 7);           // F16 [5]
  const auto d = iota_bytes(4 * 2 * 1 * 1 * 3);  // I32 [2, 1, 1, 3]: known, not supported
  w.add_tensor("a", DType::F32, {3, 2}, a);
  w.add_tensor("b", DType::Q8_0, {32, 2}, b);
  w.add_tensor("c", DType::F16, {5}, c);
  w.add_tensor("d", DType::I32, {2, 1, 1, 3}, d);
  const auto bytes = w.to_bytes();
  const File f = parse_bytes(bytes);

  ASSERT_EQ(f.tensors().size(), 4u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  const std::vector<std::vector<uint8_t>> datas = {a, b, c, d};
  for (size_t i = 0; i < 4; ++i) {
    const TensorInfo& t = f.tensors()[i];
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    EXPECT_EQ(t.data, bytes.data() + f.data_offset() + t.offset) << t.name;
    ASSERT_EQ(t.size_bytes, datas[i].size()) << t.name;
    EXPECT_TRUE(std::equal(datas[i].begin(), datas[i].end(), t.data)) << t.name;
  }
  const TensorInfo& tb = f.require_tensor("b");
  EXPECT_EQ(tb.type, DType::Q8_0);
  EXPECT_EQ(tb.shape, (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(tb.element_count(), 64);
  EXPECT_EQ(tb.rows(), 2);
  const TensorInfo& td = f.require_tensor("d");
  EXPECT_EQ(td.type, DType::I32);
  EXPECT_FALSE(traits(td.type).supported);
  EXPECT_EQ(td.element_count(), 6);
  EXPECT_EQ(td.rows(), 3);
  EXPECT_EQ(f.find_tensor("nope"), nullptr);
}

TEST(GgufRoundTrip, CustomAlignmentIsRecordedAndUsed) {
  Writer w(256);
  w.set("x", Value::u32(1));
  w.add_tensor("t0", DType::F32, {3}, iota_bytes(12));
  w.add_tensor("t1", DType::F32, {1}, iota_bytes(4));
  const File f = parse_bytes(w.to_bytes());
  EXPECT_EQ(f.alignment(), 256u);
  EXPECT_EQ(f.require("general.alignment").as_u32(), 256u);
  EXPECT_EQ(f.data_offset() % 256, 0u);
  EXPECT_EQ(f.require_tensor("t1").offset, 256u);

  Writer w2;
  w2.set("general.alignment", Value::u32(64));
  w2.add_tensor("t0", DType::F32, {3}, iota_bytes(12));
  w2.add_tensor("t1", DType::F32, {1}, iota_bytes(4));
  const File f2 = parse_bytes(w2.to_bytes());
  EXPECT_EQ(f2.alignment(), 64u);
  EXPECT_EQ(f2.require_tensor("t1").offset, 64u);
}

TEST(GgufRoundTrip, WriteToFileAndOpen) {
  Writer w;
  w.set("general.name", Value::string("tiny"));
  w.add_tensor("t", DType::F32, {4}, iota_bytes(16));
  const auto path = std::filesystem::temp_directory_path() /
                    ("yak_gguf_roundtrip_" + std::to_string(::getpid()) + ".gguf");
  w.write(path.string());
  {
    const File f = File::open(path.string());
    EXPECT_EQ(f.name(), path.string());
    EXPECT_EQ(f.file_size(), w.to_bytes().size());
    EXPECT_EQ(f.require("general.name").as_string(), "tiny");
    const File moved = f;  // copies share the mapping
    EXPECT_EQ(moved.require_tensor("t").data[3], 3);
  }
  std::filesystem::remove(path);
}

TEST(GgufRoundTrip, OpenMissingFileNamesIt) {
  try {
    File::open("/nonexistent/dir/model.gguf");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.gguf"), std::string::npos);
  }
}

TEST(GgufWriter, RefusesBadInput) {
  const auto data = iota_bytes(16);
  EXPECT_THROW(Writer(48), Error);
  EXPECT_THROW(Writer(0), Error);
  Writer w;
  EXPECT_THROW(w.set("", Value::u8(1)), Error);
  EXPECT_THROW(w.set("general.alignment", Value::u32(3)), Error);
  EXPECT_THROW(w.set("general.alignment", Value::string("32")), Error);
  EXPECT_THROW(w.set("mixed", Value::array(ValueType::U8, {Value::u8(1), Value::i8(1)})), Error);
  EXPECT_THROW(w.add_tensor("", DType::F32, {4}, data), Error);
  EXPECT_THROW(w.add_tensor("t", DType::F32, {5}, data), Error);     // size mismatch
  EXPECT_THROW(w.add_tensor("t", DType::F32, {4, 0}, data), Error);  // zero dim
  EXPECT_THROW(w.add_tensor("t", DType::F32, {}, data), Error);      // no dims
  EXPECT_THROW(w.add_tensor("t", DType::F32, {1, 1, 1, 1, 4}, data), Error);
  EXPECT_THROW(w.add_tensor("t", DType::Q8_0, {16}, data), Error);  // not a block multiple
  w.add_tensor("t", DType::F32, {4}, data);
  EXPECT_THROW(w.add_tensor("t", DType::F32, {4}, data), Error);  // duplicate
  EXPECT_THROW(w.write("/nonexistent/dir/out.gguf"), Error);
}

}  // namespace
}  // namespace yak::gguf
