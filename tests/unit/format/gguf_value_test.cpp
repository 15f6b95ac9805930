// Value's checked accessors and its display form.
#include "format/gguf_value.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"

namespace yak::gguf {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(GgufValue, TypeNamesAndIds) {
  EXPECT_EQ(value_type_name(ValueType::STRING), "STRING");
  EXPECT_EQ(value_type_name(ValueType::F64), "F64");
  EXPECT_TRUE(is_valid_value_type(0));
  EXPECT_TRUE(is_valid_value_type(12));
  EXPECT_FALSE(is_valid_value_type(13));
  EXPECT_FALSE(is_valid_value_type(0xffffffffu));
}

TEST(GgufValue, IntegerAccessorsCheckRange) {
  EXPECT_TRUE(Value::u8(3).is_integer());
  EXPECT_FALSE(Value::f32(3).is_integer());
  EXPECT_TRUE(Value::f64(3).is_float());
  EXPECT_EQ(Value::i32(7).as_u64(), 7u);
  EXPECT_EQ(Value::u64(7).as_i64(), 7);
  EXPECT_EQ(Value::u32(7).as_f64(), 7.0);
  EXPECT_NE(error_of([] { Value::i32(-1).as_u64("n_layer"); }).find("n_layer"), std::string::npos);
  EXPECT_NE(error_of([] { Value::u64(1ull << 63).as_i64("x"); }).find("does not fit"),
            std::string::npos);
  EXPECT_NE(error_of([] { Value::u64(1ull << 32).as_u32("x"); }).find("does not fit"),
            std::string::npos);
  EXPECT_EQ(error_of([] { Value::string("7").as_u32("key.k"); }),
            "key.k: expected an integer, got a STRING");
  EXPECT_THROW(Value::f32(1).as_i64(), Error);
  EXPECT_THROW(Value::boolean(true).as_u64(), Error);
}

TEST(GgufValue, OtherAccessorsCheckType) {
  EXPECT_THROW(Value::u8(1).as_bool(), Error);
  EXPECT_THROW(Value::u8(1).as_string(), Error);
  EXPECT_THROW(Value::string("x").as_array(), Error);
  EXPECT_THROW(Value::string("x").as_f64(), Error);
  const Value ints = Value::array(ValueType::I32, {Value::i32(1)});
  const Value strs = Value::array(ValueType::STRING, {Value::string("a")});
  EXPECT_THROW(ints.as_string_array("tokens"), Error);
  EXPECT_THROW(strs.as_int_array("types"), Error);
  EXPECT_THROW(strs.as_float_array("scores"), Error);
  EXPECT_EQ(ints.as_float_array(), (std::vector<float>{1.0f}));
  EXPECT_NE(error_of([&] {
              ints.as_string_array("tokenizer.ggml.tokens");
            }).find("tokenizer.ggml.tokens: expected an array of STRING, got an array of I32"),
            std::string::npos);
}

TEST(GgufValue, DisplayStringAbbreviates) {
  EXPECT_EQ(Value::u32(42).to_display_string(), "42");
  EXPECT_EQ(Value::i8(-3).to_display_string(), "-3");
  EXPECT_EQ(Value::boolean(true).to_display_string(), "true");
  EXPECT_EQ(Value::f32(0.1f).to_display_string(), "0.1");
  EXPECT_EQ(Value::string("a\"b\n").to_display_string(), "\"a\\\"b\\n\"");
  const std::string long_string(500, 'x');
  const std::string shown = Value::string(long_string).to_display_string();
  EXPECT_LT(shown.size(), 200u);
  EXPECT_NE(shown.find("(500 bytes)"), std::string::npos);
  std::vector<Value> items;
  for (int i = 0; i < 10; ++i) items.push_back(Value::i32(i));
  EXPECT_EQ(Value::array(ValueType::I32, items).to_display_string(3), "[0, 1, 2, ... 7 more]");
  EXPECT_EQ(Value::array(ValueType::I32, {}).to_display_string(), "[]");
}

}  // namespace
}  // namespace yak::gguf
