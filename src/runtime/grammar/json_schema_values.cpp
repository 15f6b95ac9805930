// Arrays (prefixItems, items, minItems/maxItems), strings (minLength/maxLength, pattern,
// format), integers (exact ranges) and numbers.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "runtime/grammar/json_schema_converter.h"
#include "runtime/grammar/json_schema_formats.h"
#include "runtime/grammar/json_schema_numbers.h"
#include "runtime/grammar/json_schema_primitives.h"
#include "runtime/grammar/regex_to_gbnf.h"
#include "yak/grammar.h"

namespace yak::grammar {
namespace {

// `item` repeated between low and high (no high: unbounded) times.
std::string repeat(const std::string& item, int64_t low, std::optional<int64_t> high) {
  if (high && *high == 0) return "";
  if (!high) {
    if (low == 0) return item + "*";
    if (low == 1) return item + "+";
    return fmt::format("{}{{{},}}", item, low);
  }
  if (low == 0 && *high == 1) return item + "?";
  if (low == *high) return low == 1 ? item : fmt::format("{}{{{}}}", item, low);
  return fmt::format("{}{{{},{}}}", item, low, *high);
}

std::string join_hint(const std::string& hint, std::string_view part) {
  return hint.empty() ? std::string(part) : hint + "-" + std::string(part);
}

// An integer bound: exact for integer JSON values; a fractional bound rounds inward.
int64_t bound_value(const Json& value, bool lower, std::string_view keyword,
                    const std::string& pointer) {
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() <= uint64_t(INT64_MAX)) return value.get<int64_t>();
  } else if (value.is_number_integer()) {
    return value.get<int64_t>();
  } else {
    const double d = lower ? std::ceil(value.get<double>()) : std::floor(value.get<double>());
    if (std::isfinite(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  throw GrammarError(
      fmt::format("JSON Schema '{}' {} is out of the 64-bit integer range", keyword, at(pointer)));
}

}  // namespace

std::string SchemaConverter::array_expression(const Json& schema, const std::string& pointer,
                                              const std::string& hint, int depth) {
  const std::string ws = ws_rule(rules_);
  const std::string separator = ws + " \",\" " + ws;
  std::vector<std::string> prefix;
  if (auto it = schema.find("prefixItems"); it != schema.end()) {
    const std::string list_pointer = child_pointer(pointer, "prefixItems");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& sub = (*it)[i];
      if (sub.is_boolean() && !sub.get<bool>()) break;  // no array is this long
      prefix.push_back(visit(sub, child_pointer(list_pointer, i),
                             join_hint(hint, fmt::format("item-{}", i)), depth + 1));
    }
  }
  const int64_t min_items = count_keyword(schema, "minItems", pointer).value_or(0);
  std::optional<int64_t> max_items = count_keyword(schema, "maxItems", pointer);
  if (max_items && *max_items < min_items) {
    throw GrammarError(fmt::format("invalid JSON Schema: minItems {} exceeds maxItems {} {}",
                                   min_items, *max_items, at(pointer)));
  }
  std::string item;
  auto items = schema.find("items");
  const bool items_false = items != schema.end() && items->is_boolean() && !items->get<bool>();
  const bool prefix_cut =
      schema.contains("prefixItems") && prefix.size() < schema["prefixItems"].size();
  if (items_false || prefix_cut) {
    const int64_t p = static_cast<int64_t>(prefix.size());
    max_items = max_items ? std::min(*max_items, p) : p;
  } else if (items != schema.end()) {
    item = visit(*items, child_pointer(pointer, "items"), join_hint(hint, "item"), depth + 1);
  } else {
    item = value_rule(rules_);
  }
  if (max_items && *max_items < min_items) {
    throw GrammarError(
        fmt::format("JSON Schema {} allows at most {} items but minItems is {}: no array matches",
                    at(pointer), *max_items, min_items));
  }
  const int64_t p = static_cast<int64_t>(prefix.size());
  auto element = [&](int64_t i) { return i < p ? prefix[i] : item; };
  // rest(i): the elements after the first i, each after a separator.
  std::string rest;
  if (!item.empty()) {
    const int64_t done = std::max(p, int64_t{1});
    const int64_t low = std::max<int64_t>(0, min_items - done);
    std::optional<int64_t> high;
    if (max_items) high = std::max<int64_t>(0, *max_items - done);
    rest = repeat("(" + separator + " " + item + ")", low, high);
  }
  for (int64_t i = std::min(p, max_items.value_or(p)); i-- > 1;) {
    std::string here = separator + " " + element(i) + (rest.empty() ? "" : " " + rest);
    rest = i < min_items ? here : "(" + here + ")?";
    // Many prefix items: a rule per step keeps groups from nesting past the compiler's limit.
    if (p > 6) rest = named(join_hint(hint, fmt::format("rest-{}", i)), rest);
  }
  if (max_items && *max_items == 0) return "\"[\" " + ws + " \"]\"";
  if (p == 0 && item.empty()) return "\"[\" " + ws + " \"]\"";
  std::string content = element(0) + (rest.empty() ? "" : " " + rest);
  if (min_items == 0) return "\"[\" " + ws + " (" + content + " " + ws + ")? \"]\"";
  return "\"[\" " + ws + " " + content + " " + ws + " \"]\"";
}

std::string SchemaConverter::string_expression(const Json& schema, const std::string& pointer) {
  const std::optional<int64_t> min_length = count_keyword(schema, "minLength", pointer);
  const std::optional<int64_t> max_length = count_keyword(schema, "maxLength", pointer);
  const bool has_length = min_length || max_length;
  const std::string quote = "\"\\\"\"";
  const std::string c = char_rule(rules_);
  if (auto it = schema.find("format"); it != schema.end()) {
    const std::string format = it->get<std::string>();
    for (std::string_view other : {"pattern", "minLength", "maxLength"}) {
      if (schema.contains(other)) {
        throw GrammarError(fmt::format(
            "unsupported JSON Schema: keyword '{}' alongside 'format' {}", other, at(pointer)));
      }
    }
    std::optional<std::string> content = format_gbnf(format, rules_);
    if (!content) {
      throw GrammarError(fmt::format(
          "unsupported JSON Schema format '{}' {} (supported: date, time, date-time, uuid, email)",
          format, at(pointer)));
    }
    return quote + " " + *content + " " + quote;
  }
  if (auto it = schema.find("pattern"); it != schema.end()) {
    if (has_length) {
      throw GrammarError(fmt::format("unsupported JSON Schema: keyword '{}' alongside 'pattern' {}",
                                     min_length ? "minLength" : "maxLength", at(pointer)));
    }
    std::string content;
    try {
      content = regex_to_gbnf(it->get<std::string>(), c);
    } catch (const GrammarError& e) {
      throw GrammarError(
          fmt::format("unsupported JSON Schema keyword 'pattern' {}: {}", at(pointer), e.what()));
    }
    return content.empty() ? quote + " " + quote : quote + " " + content + " " + quote;
  }
  const int64_t low = min_length.value_or(0);
  if (max_length && *max_length < low) {
    throw GrammarError(fmt::format("invalid JSON Schema: minLength {} exceeds maxLength {} {}", low,
                                   *max_length, at(pointer)));
  }
  if (!has_length) return string_rule(rules_);
  std::string content = repeat(c, low, max_length);
  return content.empty() ? quote + " " + quote : quote + " " + content + " " + quote;
}

std::string SchemaConverter::integer_expression(const Json& schema, const std::string& pointer) {
  std::optional<int64_t> low;
  std::optional<int64_t> high;
  auto tighten_low = [&](int64_t v) { low = low ? std::max(*low, v) : v; };
  auto tighten_high = [&](int64_t v) { high = high ? std::min(*high, v) : v; };
  if (auto it = schema.find("minimum"); it != schema.end()) {
    tighten_low(bound_value(*it, true, "minimum", pointer));
  }
  if (auto it = schema.find("maximum"); it != schema.end()) {
    tighten_high(bound_value(*it, false, "maximum", pointer));
  }
  if (auto it = schema.find("exclusiveMinimum"); it != schema.end()) {
    // x > m: the least integer above m (m + 1 when m is an integer).
    const int64_t v = bound_value(*it, false, "exclusiveMinimum", pointer);
    if (v == INT64_MAX)
      throw GrammarError(
          fmt::format("JSON Schema 'exclusiveMinimum' {} admits no 64-bit integer", at(pointer)));
    tighten_low(v + 1);
  }
  if (auto it = schema.find("exclusiveMaximum"); it != schema.end()) {
    const int64_t v = bound_value(*it, true, "exclusiveMaximum", pointer);
    if (v == INT64_MIN)
      throw GrammarError(
          fmt::format("JSON Schema 'exclusiveMaximum' {} admits no 64-bit integer", at(pointer)));
    tighten_high(v - 1);
  }
  if (!low && !high) return integer_rule(rules_);
  if (low && high && *low > *high) {
    throw GrammarError(fmt::format("JSON Schema {} admits no integer: the bounds give [{}, {}]",
                                   at(pointer), *low, *high));
  }
  return integer_range_gbnf(low, high);
}

std::string SchemaConverter::number_expression(const Json& schema, const std::string& pointer) {
  for (std::string_view keyword : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
    if (schema.contains(keyword)) {
      throw GrammarError(fmt::format(
          "unsupported JSON Schema keyword '{}' on type 'number' {} (bounds are supported on "
          "'integer' only)",
          keyword, at(pointer)));
    }
  }
  return number_rule(rules_);
}

}  // namespace yak::grammar
