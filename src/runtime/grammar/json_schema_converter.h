// The JSON Schema to GBNF converter's internals, shared by its files: dispatch and references
// (json_schema_to_gbnf.cpp), objects and allOf (json_schema_objects.cpp), arrays, strings and
// numbers (json_schema_values.cpp), keyword checks (json_schema_keywords.cpp).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/grammar/json_schema_rules.h"

namespace yak::grammar {

using Json = nlohmann::ordered_json;

inline constexpr int kMaxSchemaDepth = 64;
// The largest count minItems, maxItems, minLength and maxLength may ask for: each is a
// repetition the grammar compiler expands.
inline constexpr int64_t kMaxSchemaRepetition = 10000;

// "at /properties/a" (or "at the root").
std::string at(std::string_view pointer);
// `pointer` + "/" + the escaped token (~0, ~1).
std::string child_pointer(std::string_view pointer, std::string_view token);
std::string child_pointer(std::string_view pointer, size_t index);

// Rejects keywords the converter does not support and checks the shapes of those it does.
void check_keywords(const Json& schema, const std::string& pointer);
bool is_annotation(std::string_view keyword);
// A non-negative integer keyword value (minItems, maxLength, ...), bounded by kMaxSchemaRepetition.
std::optional<int64_t> count_keyword(const Json& schema, std::string_view keyword,
                                     const std::string& pointer);

// An object schema's members, after allOf merging.
struct ObjectProperty {
  std::string name;
  const Json* schema = nullptr;  // nullptr: a required key without a declared schema
  std::string pointer;
  bool required = false;
  bool forbidden = false;  // declared with the schema false: must not appear
};
struct ObjectSpec {
  std::vector<ObjectProperty> properties;
  // Keys other than the declared ones: not allowed, allowed with any value, or with values
  // of additional_schema.
  enum class Additional { kNone, kAny, kSchema } additional = Additional::kAny;
  const Json* additional_schema = nullptr;
  std::string additional_pointer;
};

class SchemaConverter {
 public:
  SchemaConverter(const Json& root_schema, std::string root_rule);
  std::string convert();

  // The rule name for a value of `schema` (a shared primitive or a new rule).
  std::string visit(const Json& schema, const std::string& pointer, const std::string& hint,
                    int depth);

  GbnfRules& rules() { return rules_; }

 private:
  std::string visit_object_schema(const Json& schema, const std::string& pointer,
                                  const std::string& hint, int depth);
  std::string ref_rule(const Json& schema, const std::string& pointer, const std::string& hint,
                       int depth);
  std::string enum_rule(const Json& schema, const std::string& pointer, const std::string& hint);
  std::string alternatives_rule(const Json& schema, std::string_view keyword,
                                const std::string& pointer, const std::string& hint, int depth);
  std::string typed_rule(const Json& schema, const std::string& pointer, const std::string& hint,
                         int depth);
  std::string type_expression(std::string_view type, const Json& schema, const std::string& pointer,
                              const std::string& hint, int depth);

  // json_schema_objects.cpp
  ObjectSpec object_spec(const Json& schema, const std::string& pointer);
  ObjectSpec all_of_spec(const Json& schema, const std::string& pointer, int depth);
  void merge_all_of_member(const Json& member, const std::string& pointer, ObjectSpec& spec,
                           int depth);
  std::string object_expression(const ObjectSpec& spec, const std::string& hint, int depth);
  std::string additional_key_expression(const ObjectSpec& spec);

  // json_schema_values.cpp
  std::string array_expression(const Json& schema, const std::string& pointer,
                               const std::string& hint, int depth);
  std::string string_expression(const Json& schema, const std::string& pointer);
  std::string integer_expression(const Json& schema, const std::string& pointer);
  std::string number_expression(const Json& schema, const std::string& pointer);
  std::string literal_expression(const Json& value);

  // A rule for `expression` named from `hint` (a bare rule name is returned as it is).
  std::string named(const std::string& hint, std::string expression);
  const Json* resolve_pointer(std::string_view fragment, std::string& target_pointer) const;

  const Json& root_schema_;
  GbnfRules rules_;
  std::map<std::string, std::string> ref_rules_;  // target pointer -> rule name
};

}  // namespace yak::grammar
