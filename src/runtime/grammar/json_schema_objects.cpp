// Objects: properties in the schema's order (required ones always there, optional ones
// each present or not), then any additional members, and allOf of object schemas merged.
#include <fmt/format.h>

#include <map>
#include <set>

#include "runtime/grammar/json_schema_converter.h"
#include "runtime/grammar/json_schema_gbnf_text.h"
#include "runtime/grammar/json_schema_primitives.h"
#include "yak/grammar.h"

namespace yak::grammar {
namespace {

// Past this many members, the "rest of the object" expressions become rules of their own so
// the grammar stays linear in the number of properties.
constexpr size_t kInlineMembers = 6;

struct KeyTrie {
  struct Node {
    std::map<uint32_t, size_t> children;
    bool terminal = false;
  };
  std::vector<Node> nodes{1};

  void insert(const std::vector<uint32_t>& key) {
    size_t node = 0;
    for (uint32_t cp : key) {
      auto it = nodes[node].children.find(cp);
      if (it == nodes[node].children.end()) {
        nodes.push_back({});
        it = nodes[node].children.emplace(cp, nodes.size() - 1).first;
      }
      node = it->second;
    }
    nodes[node].terminal = true;
  }
};

// Groups nest one level per character of a key; a rule every so often keeps long keys under
// the grammar compiler's nesting limit.
constexpr int kKeyNestingPerRule = 32;

// The plain-character strings that continue from `node` to something other than a key.
std::string key_complement(const KeyTrie& trie, size_t node, const std::string& plain_char,
                           GbnfRules& rules, int depth) {
  if (depth == kKeyNestingPerRule) {
    std::string name = rules.reserve("key-rest");
    rules.define(name, key_complement(trie, node, plain_char, rules, 0));
    return name;
  }
  const KeyTrie::Node& n = trie.nodes[node];
  std::vector<std::string> alternatives;
  CodepointSet next;
  for (const auto& [cp, child] : n.children) {
    next.add(cp, cp);
    alternatives.push_back(gbnf_literal(utf8_encode(cp)) + " " +
                           key_complement(trie, child, plain_char, rules, depth + 1));
  }
  const CodepointSet diverge = json_plain_chars().minus(next);
  if (!diverge.empty()) alternatives.push_back(gbnf_class(diverge) + " " + plain_char + "*");
  std::string out = "(";
  for (size_t i = 0; i < alternatives.size(); ++i) {
    if (i > 0) out += " | ";
    out += alternatives[i];
  }
  out += ")";
  return n.terminal ? out : out + "?";
}

std::string join_hint(const std::string& hint, std::string_view part) {
  return hint.empty() ? std::string(part) : hint + "-" + std::string(part);
}

}  // namespace

ObjectSpec SchemaConverter::object_spec(const Json& schema, const std::string& pointer) {
  ObjectSpec spec;
  std::vector<std::string> required;
  if (auto it = schema.find("required"); it != schema.end()) {
    for (const Json& name : *it) required.push_back(name.get<std::string>());
  }
  std::set<std::string> declared;
  if (auto it = schema.find("properties"); it != schema.end()) {
    const std::string properties_pointer = child_pointer(pointer, "properties");
    for (const auto& [key, sub] : it->items()) {
      ObjectProperty p;
      p.name = key;
      p.schema = &sub;
      p.pointer = child_pointer(properties_pointer, key);
      p.required = std::find(required.begin(), required.end(), key) != required.end();
      p.forbidden = sub.is_boolean() && !sub.get<bool>();
      if (p.forbidden && p.required) {
        throw GrammarError(fmt::format(
            "JSON Schema property '{}' {} is required but its schema is false: no object matches",
            key, at(pointer)));
      }
      declared.insert(key);
      spec.properties.push_back(std::move(p));
    }
  }
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    if (it->is_boolean()) {
      spec.additional =
          it->get<bool>() ? ObjectSpec::Additional::kAny : ObjectSpec::Additional::kNone;
    } else {
      spec.additional = ObjectSpec::Additional::kSchema;
      spec.additional_schema = &*it;
      spec.additional_pointer = child_pointer(pointer, "additionalProperties");
    }
  }
  for (const std::string& name : required) {
    if (declared.contains(name)) continue;
    if (spec.additional == ObjectSpec::Additional::kNone) {
      throw GrammarError(
          fmt::format("JSON Schema requires property '{}' {} but it is not in 'properties' and "
                      "additionalProperties is false: no object matches",
                      name, at(pointer)));
    }
    ObjectProperty p;
    p.name = name;
    p.schema = spec.additional_schema;
    p.pointer = spec.additional_pointer;
    p.required = true;
    spec.properties.push_back(std::move(p));
  }
  return spec;
}

void SchemaConverter::merge_all_of_member(const Json& member, const std::string& pointer,
                                          ObjectSpec& spec, int depth) {
  if (depth > kMaxSchemaDepth) {
    throw GrammarError(
        fmt::format("JSON Schema nested deeper than {} levels {}", kMaxSchemaDepth, at(pointer)));
  }
  if (member.is_boolean()) {
    if (member.get<bool>()) return;
    throw GrammarError(fmt::format("JSON Schema 'false' {} matches no value", at(pointer)));
  }
  if (!member.is_object()) {
    throw GrammarError(fmt::format(
        "invalid JSON Schema: a schema must be an object or a boolean {}", at(pointer)));
  }
  check_keywords(member, pointer);
  for (const auto& [key, value] : member.items()) {
    if (is_annotation(key) || key == "properties" || key == "required" || key == "allOf" ||
        key == "$ref") {
      continue;
    }
    if (key == "type" && value == "object") continue;
    throw GrammarError(fmt::format(
        "unsupported JSON Schema: keyword '{}' in an allOf member {} (allOf merges object "
        "schemas of 'properties' and 'required' only)",
        key, at(pointer)));
  }
  if (auto it = member.find("$ref"); it != member.end()) {
    const std::string ref = it->get<std::string>();
    std::string target_pointer;
    const Json* target = ref.rfind("#", 0) == 0
                             ? resolve_pointer(std::string_view(ref).substr(1), target_pointer)
                             : nullptr;
    if (!target) {
      throw GrammarError(
          fmt::format("invalid JSON Schema: unresolvable $ref '{}' {}", ref, at(pointer)));
    }
    merge_all_of_member(*target, target_pointer, spec, depth + 1);
  }
  if (auto it = member.find("properties"); it != member.end()) {
    const std::string properties_pointer = child_pointer(pointer, "properties");
    for (const auto& [key, sub] : it->items()) {
      auto same = std::find_if(spec.properties.begin(), spec.properties.end(),
                               [&](const ObjectProperty& p) { return p.name == key; });
      if (same != spec.properties.end()) {
        if (!same->schema) {  // only required so far
          same->schema = &sub;
          same->pointer = child_pointer(properties_pointer, key);
          same->forbidden = sub.is_boolean() && !sub.get<bool>();
          continue;
        }
        if (*same->schema == sub) continue;
        throw GrammarError(fmt::format(
            "unsupported JSON Schema: property '{}' has different schemas in allOf members {}", key,
            at(pointer)));
      }
      ObjectProperty p;
      p.name = key;
      p.schema = &sub;
      p.pointer = child_pointer(properties_pointer, key);
      p.forbidden = sub.is_boolean() && !sub.get<bool>();
      spec.properties.push_back(std::move(p));
    }
  }
  if (auto it = member.find("required"); it != member.end()) {
    for (const Json& name : *it) {
      const std::string key = name.get<std::string>();
      auto same = std::find_if(spec.properties.begin(), spec.properties.end(),
                               [&](const ObjectProperty& p) { return p.name == key; });
      if (same == spec.properties.end()) {  // required here, declared later or nowhere
        ObjectProperty p;
        p.name = key;
        p.pointer = pointer;
        spec.properties.push_back(std::move(p));
        same = spec.properties.end() - 1;
      }
      same->required = true;
    }
  }
  if (auto it = member.find("allOf"); it != member.end()) {
    const std::string list_pointer = child_pointer(pointer, "allOf");
    for (size_t i = 0; i < it->size(); ++i) {
      merge_all_of_member((*it)[i], child_pointer(list_pointer, i), spec, depth + 1);
    }
  }
}

ObjectSpec SchemaConverter::all_of_spec(const Json& schema, const std::string& pointer, int depth) {
  ObjectSpec spec;  // additional members allowed: none of the merged schemas may forbid them
  merge_all_of_member(schema, pointer, spec, depth);
  for (ObjectProperty& p : spec.properties) {
    if (p.required && p.forbidden) {
      throw GrammarError(fmt::format(
          "JSON Schema property '{}' {} is required but its schema is false: no object matches",
          p.name, at(pointer)));
    }
  }
  return spec;
}

std::string SchemaConverter::additional_key_expression(const ObjectSpec& spec) {
  if (spec.properties.empty()) return string_rule(rules_);
  // Keys other than the declared ones, written without escapes (a key with an escape could
  // spell a declared key). A declared key that needs escapes cannot be written that way.
  KeyTrie trie;
  const CodepointSet plain = json_plain_chars();
  for (const ObjectProperty& p : spec.properties) {
    std::vector<uint32_t> key = utf8_codepoints(p.name, "a property name");
    if (std::all_of(key.begin(), key.end(), [&](uint32_t cp) { return plain.contains(cp); })) {
      trie.insert(key);
    }
  }
  const std::string plain_char = rules_.shared("plain-char", gbnf_class(plain));
  return "\"\\\"\" " + key_complement(trie, 0, plain_char, rules_, 0) + " \"\\\"\"";
}

std::string SchemaConverter::object_expression(const ObjectSpec& spec, const std::string& hint,
                                               int depth) {
  const std::string ws = ws_rule(rules_);
  const std::string separator = ws + " \",\" " + ws;
  struct Member {
    std::string key_value;
    bool required;
  };
  std::vector<Member> members;
  for (const ObjectProperty& p : spec.properties) {
    if (p.forbidden) continue;
    const std::string value = p.schema
                                  ? visit(*p.schema, p.pointer, join_hint(hint, p.name), depth + 1)
                                  : value_rule(rules_);
    members.push_back(
        {fmt::format("{} {} \":\" {} {}", gbnf_literal(Json(p.name).dump()), ws, ws, value),
         p.required});
  }
  std::string additional;  // one additional member
  if (spec.additional != ObjectSpec::Additional::kNone) {
    const std::string value = spec.additional == ObjectSpec::Additional::kSchema
                                  ? visit(*spec.additional_schema, spec.additional_pointer,
                                          join_hint(hint, "additional"), depth + 1)
                                  : value_rule(rules_);
    additional =
        named(join_hint(hint, "additional-member"),
              fmt::format("{} {} \":\" {} {}", additional_key_expression(spec), ws, ws, value));
  }
  const size_t n = members.size();
  // tails[i]: members i.. after at least one member was written (each after a separator).
  std::vector<std::string> tails(n + 1);
  if (!additional.empty()) tails[n] = "(" + separator + " " + additional + ")*";
  for (size_t i = n; i-- > 0;) {
    std::string tail = members[i].required ? separator + " " + members[i].key_value
                                           : "(" + separator + " " + members[i].key_value + ")?";
    if (!tails[i + 1].empty()) tail += " " + tails[i + 1];
    tails[i] = n > kInlineMembers ? named(join_hint(hint, fmt::format("rest-{}", i)), tail) : tail;
  }
  // firsts[i]: members i.. when none was written yet; may be empty when all are optional.
  std::string first;
  bool first_may_be_empty = true;
  if (!additional.empty()) first = additional + (tails[n].empty() ? "" : " " + tails[n]);
  for (size_t i = n; i-- > 0;) {
    std::string here = members[i].key_value + (tails[i + 1].empty() ? "" : " " + tails[i + 1]);
    if (members[i].required) {
      first = here;
      first_may_be_empty = false;
    } else {
      first = first.empty() ? here : "(" + here + " | " + first + ")";
    }
  }
  if (first.empty()) return "\"{\" " + ws + " \"}\"";
  if (first_may_be_empty) return "\"{\" " + ws + " (" + first + " " + ws + ")? \"}\"";
  return "\"{\" " + ws + " " + first + " " + ws + " \"}\"";
}

}  // namespace yak::grammar
