// Which keywords a schema may use, and the shapes of their values.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "runtime/grammar/json_schema_converter.h"
#include "yak/grammar.h"

namespace yak::grammar {
namespace {

// Keywords that do not change which values are valid.
constexpr std::array<std::string_view, 12> kAnnotations = {
    "title",    "description", "$schema",  "$id",       "$comment",      "default",
    "examples", "deprecated",  "readOnly", "writeOnly", "discriminator", "$defs"};

constexpr std::array<std::string_view, 22> kSupported = {"type",
                                                         "properties",
                                                         "required",
                                                         "additionalProperties",
                                                         "enum",
                                                         "const",
                                                         "anyOf",
                                                         "oneOf",
                                                         "allOf",
                                                         "$ref",
                                                         "items",
                                                         "prefixItems",
                                                         "minItems",
                                                         "maxItems",
                                                         "minLength",
                                                         "maxLength",
                                                         "pattern",
                                                         "format",
                                                         "minimum",
                                                         "maximum",
                                                         "exclusiveMinimum",
                                                         "exclusiveMaximum"};

// Standard keywords that change validity and that a grammar here cannot express exactly.
constexpr std::array<std::string_view, 26> kUnsupported = {"not",
                                                           "if",
                                                           "then",
                                                           "else",
                                                           "patternProperties",
                                                           "dependentRequired",
                                                           "dependentSchemas",
                                                           "dependencies",
                                                           "uniqueItems",
                                                           "multipleOf",
                                                           "contains",
                                                           "minContains",
                                                           "maxContains",
                                                           "propertyNames",
                                                           "minProperties",
                                                           "maxProperties",
                                                           "unevaluatedProperties",
                                                           "unevaluatedItems",
                                                           "additionalItems",
                                                           "$dynamicRef",
                                                           "$dynamicAnchor",
                                                           "$recursiveRef",
                                                           "$recursiveAnchor",
                                                           "$anchor",
                                                           "contentSchema",
                                                           "$vocabulary"};

constexpr std::array<std::string_view, 7> kTypes = {"object",  "array",   "string", "number",
                                                    "integer", "boolean", "null"};

template <size_t N>
bool among(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

[[noreturn]] void invalid(std::string_view keyword, std::string_view must,
                          const std::string& pointer) {
  throw GrammarError(
      fmt::format("invalid JSON Schema: '{}' must be {} {}", keyword, must, at(pointer)));
}

void check_type(const Json& value, const std::string& pointer) {
  auto check_name = [&](const Json& name) {
    if (!name.is_string() || !among(kTypes, name.get<std::string>())) {
      invalid("type",
              "one of object, array, string, number, integer, boolean, null or a list of them",
              pointer);
    }
  };
  if (value.is_string()) return check_name(value);
  if (!value.is_array() || value.empty())
    invalid("type", "a type name or a non-empty list", pointer);
  std::set<std::string> seen;
  for (const Json& name : value) {
    check_name(name);
    if (!seen.insert(name.get<std::string>()).second)
      invalid("type", "a list without repeats", pointer);
  }
}

void check_supported(std::string_view key, const Json& value, const std::string& pointer) {
  if (key == "type") return check_type(value, pointer);
  if (key == "properties" && !value.is_object()) invalid(key, "an object", pointer);
  if (key == "required") {
    if (!value.is_array()) invalid(key, "an array of strings", pointer);
    std::set<std::string> seen;
    for (const Json& name : value) {
      if (!name.is_string()) invalid(key, "an array of strings", pointer);
      if (!seen.insert(name.get<std::string>()).second)
        invalid(key, "an array without repeats", pointer);
    }
  }
  if ((key == "additionalProperties" || key == "items") && !value.is_object() &&
      !value.is_boolean()) {
    if (key == "items" && value.is_array()) {
      throw GrammarError(fmt::format(
          "unsupported JSON Schema keyword 'items' as an array (the draft 2019 tuple form) {}; "
          "use 'prefixItems'",
          at(pointer)));
    }
    invalid(key, "a schema", pointer);
  }
  if (key == "enum" && (!value.is_array() || value.empty()))
    invalid(key, "a non-empty array", pointer);
  if ((key == "anyOf" || key == "oneOf" || key == "allOf") &&
      (!value.is_array() || value.empty())) {
    invalid(key, "a non-empty array of schemas", pointer);
  }
  if (key == "prefixItems" && !value.is_array()) invalid(key, "an array of schemas", pointer);
  if (key == "$ref" && !value.is_string()) invalid(key, "a string", pointer);
  if ((key == "pattern" || key == "format") && !value.is_string())
    invalid(key, "a string", pointer);
  if ((key == "minimum" || key == "maximum" || key == "exclusiveMinimum" ||
       key == "exclusiveMaximum") &&
      !value.is_number()) {
    invalid(key, "a number", pointer);
  }
}

}  // namespace

std::string at(std::string_view pointer) {
  if (pointer.empty()) return "at the root";
  return fmt::format("at {}", pointer);
}

std::string child_pointer(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child_pointer(std::string_view pointer, size_t index) {
  return fmt::format("{}/{}", pointer, index);
}

bool is_annotation(std::string_view keyword) {
  return among(kAnnotations, keyword) || keyword == "definitions";
}

void check_keywords(const Json& schema, const std::string& pointer) {
  for (const auto& [key, value] : schema.items()) {
    if ((key == "$defs" || key == "definitions") && !value.is_object()) {
      invalid(key, "an object of schemas", pointer);
    }
    if (is_annotation(key)) continue;
    if (among(kSupported, key)) {
      check_supported(key, value, pointer);
      continue;
    }
    if (among(kUnsupported, key)) {
      throw GrammarError(fmt::format("unsupported JSON Schema keyword '{}' {}", key, at(pointer)));
    }
    throw GrammarError(fmt::format("unknown JSON Schema keyword '{}' {}", key, at(pointer)));
  }
  for (std::string_view key : {"minItems", "maxItems", "minLength", "maxLength"}) {
    count_keyword(schema, key, pointer);
  }
}

std::optional<int64_t> count_keyword(const Json& schema, std::string_view keyword,
                                     const std::string& pointer) {
  auto it = schema.find(keyword);
  if (it == schema.end()) return std::nullopt;
  const Json& value = *it;
  int64_t count = -1;
  if (value.is_number_unsigned()) {
    count = value.get<uint64_t>() > uint64_t(INT64_MAX) ? INT64_MAX : value.get<int64_t>();
  } else if (value.is_number_integer()) {
    count = value.get<int64_t>();
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    if (d >= 0 && d == static_cast<double>(static_cast<int64_t>(std::min(d, 9e18)))) {
      count = static_cast<int64_t>(d);
    }
  }
  if (count < 0) invalid(keyword, "a non-negative integer", pointer);
  if (count > kMaxSchemaRepetition) {
    throw GrammarError(fmt::format("JSON Schema keyword '{}' {} is {}: over the limit of {}",
                                   keyword, at(pointer), count, kMaxSchemaRepetition));
  }
  return count;
}

}  // namespace yak::grammar
