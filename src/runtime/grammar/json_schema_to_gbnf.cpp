// JSON Schema to GBNF: dispatch on a schema's keywords, references, enum/const and
// alternatives. See docs/structured-output.md for what is supported and what is refused.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/grammar/json_schema_converter.h"
#include "runtime/grammar/json_schema_gbnf_text.h"
#include "runtime/grammar/json_schema_primitives.h"
#include "yak/grammar.h"

namespace yak::grammar {
namespace {

bool is_rule_name(std::string_view expression) {
  return !expression.empty() &&
         expression.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
             std::string_view::npos;
}

// The keywords of `schema` other than annotations and `allowed`.
std::vector<std::string> other_keywords(const Json& schema,
                                        std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> out;
  for (const auto& [key, value] : schema.items()) {
    if (is_annotation(key)) continue;
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    out.push_back(key);
  }
  return out;
}

void refuse_siblings(const Json& schema, std::string_view keyword,
                     std::initializer_list<std::string_view> allowed, const std::string& pointer) {
  std::vector<std::string> others = other_keywords(schema, allowed);
  if (others.empty()) return;
  throw GrammarError(fmt::format("unsupported JSON Schema: keyword '{}' alongside '{}' {}",
                                 others[0], keyword, at(pointer)));
}

// Whether `value` is an instance of the JSON Schema type `type`.
bool has_type(const Json& value, std::string_view type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double d = value.get<double>();
    return std::isfinite(d) && d == std::floor(d);
  }
  if (type == "boolean") return value.is_boolean();
  return value.is_null();
}

std::vector<std::string> type_names(const Json& schema) {
  std::vector<std::string> out;
  auto it = schema.find("type");
  if (it == schema.end()) return out;
  if (it->is_string()) return {it->get<std::string>()};
  for (const Json& name : *it) out.push_back(name.get<std::string>());
  return out;
}

std::string unescape_pointer_token(std::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

}  // namespace

SchemaConverter::SchemaConverter(const Json& root_schema, std::string root_rule)
    : root_schema_(root_schema), rules_(std::move(root_rule)) {}

std::string SchemaConverter::convert() {
  const std::string expression = visit(root_schema_, "", "", 0);
  rules_.define(rules_.root(), expression);
  return rules_.text();
}

std::string SchemaConverter::named(const std::string& hint, std::string expression) {
  if (is_rule_name(expression)) return expression;
  std::string name = rules_.reserve(hint.empty() ? "value-rule" : hint);
  rules_.define(name, std::move(expression));
  return name;
}

std::string SchemaConverter::visit(const Json& schema, const std::string& pointer,
                                   const std::string& hint, int depth) {
  if (depth > kMaxSchemaDepth) {
    throw GrammarError(
        fmt::format("JSON Schema nested deeper than {} levels {}", kMaxSchemaDepth, at(pointer)));
  }
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return value_rule(rules_);
    throw GrammarError(fmt::format("JSON Schema 'false' {} matches no value", at(pointer)));
  }
  if (!schema.is_object()) {
    throw GrammarError(fmt::format(
        "invalid JSON Schema: a schema must be an object or a boolean {}", at(pointer)));
  }
  check_keywords(schema, pointer);
  return visit_object_schema(schema, pointer, hint, depth);
}

std::string SchemaConverter::visit_object_schema(const Json& schema, const std::string& pointer,
                                                 const std::string& hint, int depth) {
  if (schema.contains("$ref")) {
    refuse_siblings(schema, "$ref", {"$ref"}, pointer);
    return ref_rule(schema, pointer, hint, depth);
  }
  if (schema.contains("enum") || schema.contains("const")) return enum_rule(schema, pointer, hint);
  for (std::string_view keyword : {"anyOf", "oneOf"}) {
    if (schema.contains(keyword)) return alternatives_rule(schema, keyword, pointer, hint, depth);
  }
  if (schema.contains("allOf")) {
    const Json& members = schema["allOf"];
    if (members.size() == 1 && other_keywords(schema, {"allOf"}).empty()) {
      return visit(members[0], child_pointer(child_pointer(pointer, "allOf"), size_t{0}), hint,
                   depth + 1);
    }
    ObjectSpec spec = all_of_spec(schema, pointer, depth);
    return named(hint, object_expression(spec, hint, depth));
  }
  return typed_rule(schema, pointer, hint, depth);
}

const Json* SchemaConverter::resolve_pointer(std::string_view fragment,
                                             std::string& target_pointer) const {
  const Json* node = &root_schema_;
  target_pointer.clear();
  size_t pos = 0;
  while (pos < fragment.size()) {
    if (fragment[pos] != '/') return nullptr;
    size_t end = fragment.find('/', pos + 1);
    if (end == std::string_view::npos) end = fragment.size();
    const std::string token = unescape_pointer_token(fragment.substr(pos + 1, end - pos - 1));
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos)
        return nullptr;
      const size_t index = std::stoul(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    target_pointer = child_pointer(target_pointer, token);
    pos = end;
  }
  return node;
}

std::string SchemaConverter::ref_rule(const Json& schema, const std::string& pointer,
                                      const std::string& hint, int depth) {
  const std::string ref = schema["$ref"].get<std::string>();
  if (ref == "#") return rules_.root();
  if (ref.rfind("#/", 0) != 0) {
    throw GrammarError(fmt::format(
        "unsupported JSON Schema $ref '{}' {}: only references within the schema (#/...) are "
        "supported",
        ref, at(pointer)));
  }
  std::string target_pointer;
  const Json* target = resolve_pointer(std::string_view(ref).substr(1), target_pointer);
  if (!target) {
    throw GrammarError(
        fmt::format("invalid JSON Schema: unresolvable $ref '{}' {}", ref, at(pointer)));
  }
  auto known = ref_rules_.find(target_pointer);
  if (known != ref_rules_.end()) return known->second;
  const std::string last = target_pointer.substr(target_pointer.rfind('/') + 1);
  const std::string name = rules_.reserve("def-" + last);
  ref_rules_[target_pointer] = name;
  const std::string body = visit(*target, target_pointer, "def-" + last, depth + 1);
  if (body == name) {
    throw GrammarError(
        fmt::format("invalid JSON Schema: $ref '{}' {} refers to itself", ref, at(pointer)));
  }
  rules_.define(name, body);
  return name;
}

std::string SchemaConverter::literal_expression(const Json& value) {
  const std::string ws = ws_rule(rules_);
  if (value.is_object()) {
    if (value.empty()) return "\"{\" " + ws + " \"}\"";
    std::string out = "\"{\" " + ws;
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += " \",\" " + ws;
      first = false;
      out += fmt::format(" {} {} \":\" {} {} {}", gbnf_literal(Json(key).dump()), ws, ws,
                         literal_expression(member), ws);
    }
    return "(" + out + " \"}\")";
  }
  if (value.is_array()) {
    if (value.empty()) return "\"[\" " + ws + " \"]\"";
    std::string out = "\"[\" " + ws;
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += " \",\" " + ws;
      out += " " + literal_expression(value[i]) + " " + ws;
    }
    return "(" + out + " \"]\")";
  }
  return gbnf_literal(value.dump());
}

std::string SchemaConverter::enum_rule(const Json& schema, const std::string& pointer,
                                       const std::string& hint) {
  const bool is_const = schema.contains("const");
  const std::string_view keyword = is_const ? "const" : "enum";
  refuse_siblings(schema, keyword, {keyword, "type"}, pointer);
  const std::vector<std::string> types = type_names(schema);
  std::vector<Json> values;
  if (is_const) {
    values.push_back(schema["const"]);
  } else {
    for (const Json& v : schema["enum"]) values.push_back(v);
  }
  std::string expression;
  for (const Json& v : values) {
    const bool typed =
        types.empty() || std::any_of(types.begin(), types.end(),
                                     [&](const std::string& t) { return has_type(v, t); });
    if (!typed) continue;
    if (!expression.empty()) expression += " | ";
    expression += literal_expression(v);
  }
  if (expression.empty()) {
    throw GrammarError(
        fmt::format("JSON Schema '{}' {} has no value of the schema's type", keyword, at(pointer)));
  }
  return named(hint, expression);
}

std::string SchemaConverter::alternatives_rule(const Json& schema, std::string_view keyword,
                                               const std::string& pointer, const std::string& hint,
                                               int depth) {
  refuse_siblings(schema, keyword, {keyword}, pointer);
  const std::string list_pointer = child_pointer(pointer, keyword);
  std::string expression;
  const Json& alternatives = schema[std::string(keyword)];
  for (size_t i = 0; i < alternatives.size(); ++i) {
    if (alternatives[i].is_boolean() && !alternatives[i].get<bool>()) continue;  // matches nothing
    if (!expression.empty()) expression += " | ";
    expression += visit(alternatives[i], child_pointer(list_pointer, i),
                        fmt::format("{}{}alt-{}", hint, hint.empty() ? "" : "-", i), depth + 1);
  }
  if (expression.empty()) {
    throw GrammarError(fmt::format("JSON Schema '{}' {} matches no value", keyword, at(pointer)));
  }
  return named(hint, expression);
}

std::string SchemaConverter::typed_rule(const Json& schema, const std::string& pointer,
                                        const std::string& hint, int depth) {
  std::vector<std::string> types = type_names(schema);
  if (types.empty()) {
    if (other_keywords(schema, {}).empty()) return value_rule(rules_);
    // No type: every type, each constrained by its own keywords (as JSON Schema defines it).
    types = {"object", "array", "string", "number", "boolean", "null"};
  }
  const bool has_number = std::find(types.begin(), types.end(), "number") != types.end();
  std::string expression;
  for (const std::string& type : types) {
    if (type == "integer" && has_number) continue;  // number includes the integers
    if (!expression.empty()) expression += " | ";
    expression += type_expression(type, schema, pointer, hint, depth);
  }
  return named(hint, expression);
}

std::string SchemaConverter::type_expression(std::string_view type, const Json& schema,
                                             const std::string& pointer, const std::string& hint,
                                             int depth) {
  if (type == "object") {
    ObjectSpec spec = object_spec(schema, pointer);
    return object_expression(spec, hint, depth);
  }
  if (type == "array") return array_expression(schema, pointer, hint, depth);
  if (type == "string") return string_expression(schema, pointer);
  if (type == "integer") return integer_expression(schema, pointer);
  if (type == "number") return number_expression(schema, pointer);
  if (type == "boolean") return boolean_rule(rules_);
  return null_rule(rules_);
}

}  // namespace yak::grammar

namespace yak {

std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema, std::string_view root_rule) {
  const std::string root(root_rule);
  if (root.empty() || root.front() == '-' ||
      root.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
          std::string::npos) {
    throw GrammarError(
        fmt::format("invalid grammar rule name '{}': use letters, digits and '-'", root_rule));
  }
  try {
    return grammar::SchemaConverter(schema, root).convert();
  } catch (const nlohmann::json::exception& e) {  // e.g. invalid UTF-8 in a string to serialize
    throw GrammarError(fmt::format("invalid JSON Schema: {}", e.what()));
  }
}

Grammar Grammar::from_json_schema(const nlohmann::ordered_json& schema) {
  return Grammar::from_gbnf(json_schema_to_gbnf(schema, "root"), "root");
}

}  // namespace yak
