// A GGUF metadata value: a scalar, a string, or an array of values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace yak::gguf {

// Type ids as stored in GGUF files.
enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

std::string_view value_type_name(ValueType type);
bool is_valid_value_type(uint32_t id);

class Value {
 public:
  struct Array {
    ValueType element_type = ValueType::U8;
    std::vector<Value> items;
  };

  Value() = default;
  static Value u8(uint8_t v) { return Value(ValueType::U8, uint64_t{v}); }
  static Value i8(int8_t v) { return Value(ValueType::I8, int64_t{v}); }
  static Value u16(uint16_t v) { return Value(ValueType::U16, uint64_t{v}); }
  static Value i16(int16_t v) { return Value(ValueType::I16, int64_t{v}); }
  static Value u32(uint32_t v) { return Value(ValueType::U32, uint64_t{v}); }
  static Value i32(int32_t v) { return Value(ValueType::I32, int64_t{v}); }
  static Value u64(uint64_t v) { return Value(ValueType::U64, v); }
  static Value i64(int64_t v) { return Value(ValueType::I64, v); }
  static Value f32(float v) { return Value(ValueType::F32, double{v}); }
  static Value f64(double v) { return Value(ValueType::F64, v); }
  static Value boolean(bool v) { return Value(ValueType::BOOL, v); }
  static Value string(std::string v) { return Value(ValueType::STRING, std::move(v)); }
  static Value array(ValueType element_type, std::vector<Value> items) {
    return Value(ValueType::ARRAY, Array{element_type, std::move(items)});
  }

  ValueType type() const { return type_; }
  bool is_integer() const;  // any of U8..I64
  bool is_float() const { return type_ == ValueType::F32 || type_ == ValueType::F64; }

  // Checked accessors: each throws yak::Error when the value does not have a
  // fitting type or its value does not fit the requested one. `what` names the
  // value (usually the metadata key) in that message.
  uint64_t as_u64(std::string_view what = "value") const;
  int64_t as_i64(std::string_view what = "value") const;
  uint32_t as_u32(std::string_view what = "value") const;
  double as_f64(std::string_view what = "value") const;  // any float or integer
  bool as_bool(std::string_view what = "value") const;
  const std::string& as_string(std::string_view what = "value") const;
  const Array& as_array(std::string_view what = "value") const;

  // Typed array views; element types are checked.
  std::vector<std::string> as_string_array(std::string_view what = "value") const;
  std::vector<int64_t> as_int_array(std::string_view what = "value") const;
  std::vector<float> as_float_array(std::string_view what = "value") const;

  // A short human-readable rendering (arrays abbreviated), for `yak inspect`.
  std::string to_display_string(size_t max_items = 8) const;

 private:
  template <typename T>
  Value(ValueType type, T v) : type_(type), data_(std::move(v)) {}

  ValueType type_ = ValueType::U8;
  std::variant<uint64_t, int64_t, double, bool, std::string, Array> data_{uint64_t{0}};
};

}  // namespace yak::gguf
