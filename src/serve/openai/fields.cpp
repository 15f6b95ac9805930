#include "serve/openai/fields.h"

#include <fmt/format.h>

#include <cmath>

#include "serve/openai/api_error.h"

namespace yak::serve {
namespace {

[[noreturn]] void wrong_type(std::string_view param, std::string_view wanted, const Json& got) {
  throw invalid_field(std::string(param),
                      fmt::format("'{}' must be {}, got {}", param, wanted, json_kind(got)),
                      "invalid_type");
}

// Shortest form of a double for messages: 2, 0.5, 1e+30.
std::string number_text(double value) { return fmt::format("{}", value); }

}  // namespace

const Json* field(const Json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string json_kind(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unexpected value";
  }
}

std::optional<bool> read_bool(const Json& object, std::string_view name, std::string_view param) {
  const Json* value = field(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) wrong_type(param, "true or false", *value);
  return value->get<bool>();
}

int64_t int_value(const Json& value, std::string_view param, int64_t min, int64_t max) {
  const auto out_of_range = [&](const std::string& got) {
    return invalid_field(
        std::string(param),
        fmt::format("'{}' must be an integer from {} to {}, got {}", param, min, max, got));
  };
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(max) || static_cast<int64_t>(v) < min)
      throw out_of_range(std::to_string(v));
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) {
    const int64_t v = value.get<int64_t>();
    if (v < min || v > max) throw out_of_range(std::to_string(v));
    return v;
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (std::floor(v) != v) wrong_type(param, "an integer", value);
    // Compared as doubles: [min, max] are within int64 and a double past them is out of range.
    if (v < static_cast<double>(min) || v > static_cast<double>(max))
      throw out_of_range(number_text(v));
    return static_cast<int64_t>(v);
  }
  wrong_type(param, "an integer", value);
}

std::optional<int64_t> read_int(const Json& object, std::string_view name, std::string_view param,
                                int64_t min, int64_t max) {
  const Json* value = field(object, name);
  if (value == nullptr) return std::nullopt;
  return int_value(*value, param, min, max);
}

std::optional<double> read_number(const Json& object, std::string_view name, std::string_view param,
                                  double min, double max) {
  const Json* value = field(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) wrong_type(param, "a number", *value);
  const double v = value->get<double>();
  if (!(v >= min && v <= max))
    throw invalid_field(std::string(param),
                        fmt::format("'{}' must be a number from {} to {}, got {}", param,
                                    number_text(min), number_text(max), number_text(v)));
  return v;
}

std::optional<std::string> read_string(const Json& object, std::string_view name,
                                       std::string_view param) {
  const Json* value = field(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) wrong_type(param, "a string", *value);
  return value->get<std::string>();
}

std::string indexed(std::string_view param, size_t index) {
  return fmt::format("{}[{}]", param, index);
}

}  // namespace yak::serve
