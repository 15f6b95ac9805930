#include "format/gguf_value.h"

#include <fmt/format.h>

#include <limits>

#include "core/error.h"
#include "yak/text.h"

namespace yak::gguf {

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::U8:
      return "U8";
    case ValueType::I8:
      return "I8";
    case ValueType::U16:
      return "U16";
    case ValueType::I16:
      return "I16";
    case ValueType::U32:
      return "U32";
    case ValueType::I32:
      return "I32";
    case ValueType::F32:
      return "F32";
    case ValueType::BOOL:
      return "BOOL";
    case ValueType::STRING:
      return "STRING";
    case ValueType::ARRAY:
      return "ARRAY";
    case ValueType::U64:
      return "U64";
    case ValueType::I64:
      return "I64";
    case ValueType::F64:
      return "F64";
  }
  return "INVALID";
}

bool is_valid_value_type(uint32_t id) { return id <= static_cast<uint32_t>(ValueType::F64); }

bool Value::is_integer() const {
  return std::holds_alternative<uint64_t>(data_) || std::holds_alternative<int64_t>(data_);
}

uint64_t Value::as_u64(std::string_view what) const {
  if (const auto* u = std::get_if<uint64_t>(&data_)) return *u;
  if (const auto* i = std::get_if<int64_t>(&data_)) {
    if (*i < 0) fail("{}: expected a non-negative integer, got {}", what, *i);
    return static_cast<uint64_t>(*i);
  }
  fail("{}: expected an integer, got a {}", what, value_type_name(type_));
}

int64_t Value::as_i64(std::string_view what) const {
  if (const auto* i = std::get_if<int64_t>(&data_)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&data_)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail("{}: value {} does not fit a signed 64-bit integer", what, *u);
    return static_cast<int64_t>(*u);
  }
  fail("{}: expected an integer, got a {}", what, value_type_name(type_));
}

uint32_t Value::as_u32(std::string_view what) const {
  const uint64_t v = as_u64(what);
  if (v > std::numeric_limits<uint32_t>::max())
    fail("{}: value {} does not fit an unsigned 32-bit integer", what, v);
  return static_cast<uint32_t>(v);
}

double Value::as_f64(std::string_view what) const {
  if (const auto* d = std::get_if<double>(&data_)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&data_)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&data_)) return static_cast<double>(*i);
  fail("{}: expected a number, got a {}", what, value_type_name(type_));
}

bool Value::as_bool(std::string_view what) const {
  if (const auto* b = std::get_if<bool>(&data_)) return *b;
  fail("{}: expected a BOOL, got a {}", what, value_type_name(type_));
}

const std::string& Value::as_string(std::string_view what) const {
  if (const auto* s = std::get_if<std::string>(&data_)) return *s;
  fail("{}: expected a STRING, got a {}", what, value_type_name(type_));
}

const Value::Array& Value::as_array(std::string_view what) const {
  if (const auto* a = std::get_if<Array>(&data_)) return *a;
  fail("{}: expected an ARRAY, got a {}", what, value_type_name(type_));
}

std::vector<std::string> Value::as_string_array(std::string_view what) const {
  const Array& a = as_array(what);
  if (a.element_type != ValueType::STRING)
    fail("{}: expected an array of STRING, got an array of {}", what,
         value_type_name(a.element_type));
  std::vector<std::string> out;
  out.reserve(a.items.size());
  for (const Value& v : a.items) out.push_back(v.as_string(what));
  return out;
}

std::vector<int64_t> Value::as_int_array(std::string_view what) const {
  const Array& a = as_array(what);
  if (a.element_type == ValueType::F32 || a.element_type == ValueType::F64 ||
      a.element_type == ValueType::BOOL || a.element_type == ValueType::STRING ||
      a.element_type == ValueType::ARRAY)
    fail("{}: expected an array of integers, got an array of {}", what,
         value_type_name(a.element_type));
  std::vector<int64_t> out;
  out.reserve(a.items.size());
  for (const Value& v : a.items) out.push_back(v.as_i64(what));
  return out;
}

std::vector<float> Value::as_float_array(std::string_view what) const {
  const Array& a = as_array(what);
  if (a.element_type == ValueType::BOOL || a.element_type == ValueType::STRING ||
      a.element_type == ValueType::ARRAY)
    fail("{}: expected an array of numbers, got an array of {}", what,
         value_type_name(a.element_type));
  std::vector<float> out;
  out.reserve(a.items.size());
  for (const Value& v : a.items) out.push_back(static_cast<float>(v.as_f64(what)));
  return out;
}

namespace {

// Strings are shown escaped and cut short: chat templates run to kilobytes.
constexpr size_t kMaxDisplayStringBytes = 120;

std::string quote(const std::string& s) {
  size_t n = std::min(s.size(), kMaxDisplayStringBytes);
  // Cut before a character, not inside one, so the cut does not show up as bad bytes.
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out = "\"" + escape_for_terminal(std::string_view(s).substr(0, n), '"') + "\"";
  if (s.size() > n) out += fmt::format("...({} bytes)", s.size());
  return out;
}

}  // namespace

std::string Value::to_display_string(size_t max_items) const {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quote(v);
        } else if constexpr (std::is_same_v<T, Array>) {
          std::string out = "[";
          const size_t n = std::min(v.items.size(), max_items);
          for (size_t i = 0; i < n; ++i) {
            if (i > 0) out += ", ";
            out += v.items[i].to_display_string(max_items);
          }
          if (v.items.size() > n) out += fmt::format(", ... {} more", v.items.size() - n);
          return out + "]";
        } else if constexpr (std::is_same_v<T, double>) {
          // Shortest form that round-trips in the stored precision: 0.1f shows as 0.1.
          if (type_ == ValueType::F32) return fmt::format("{}", static_cast<float>(v));
          return fmt::format("{}", v);
        } else {
          return fmt::format("{}", v);
        }
      },
      data_);
}

}  // namespace yak::gguf
