#include "runtime/grammar/json_schema_rules.h"

#include <fmt/format.h>

#include <array>

#include "yak/grammar.h"

namespace yak::grammar {
namespace {

// Suffixes of the shared helper rules (json_schema_primitives.cpp, json_schema_formats.cpp).
// Reserving them up front keeps a property called "ws" from taking the whitespace rule's name.
constexpr std::array<std::string_view, 28> kSharedSuffixes = {
    "ws",          "char",      "string",        "number",      "integer",     "boolean",
    "null",        "value",     "object",        "array",       "member",      "date",
    "time",        "date-time", "uuid",          "email",       "year",        "leap-year",
    "day-28",      "day-30",    "day-31",        "time-offset", "email-local", "email-label",
    "email-atext", "hex",       "nonzero-mod-4", "plain-char"};

}  // namespace

std::string sanitize_rule_hint(std::string_view hint) {
  std::string out;
  for (char c : hint) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 48) out.resize(48);  // names stay readable; uniqueness comes from a counter
  return out;
}

GbnfRules::GbnfRules(std::string root) : root_(std::move(root)) {
  taken_.insert(root_);
  for (std::string_view suffix : kSharedSuffixes) taken_.insert(root_ + "-" + std::string(suffix));
  order_.push_back(root_);
}

std::string GbnfRules::shared(std::string_view suffix, std::string_view body) {
  std::string name = root_ + "-" + std::string(suffix);
  if (!bodies_.contains(name)) {
    order_.push_back(name);
    define(name, std::string(body));
  }
  return name;
}

bool GbnfRules::has_shared(std::string_view suffix) const {
  return bodies_.contains(root_ + "-" + std::string(suffix));
}

std::string GbnfRules::reserve(std::string_view hint) {
  std::string base = root_ + "-" + sanitize_rule_hint(hint);
  if (base.back() == '-') base += "rule";
  std::string name = base;
  for (int n = 2; taken_.contains(name); ++n) name = fmt::format("{}-{}", base, n);
  taken_.insert(name);
  order_.push_back(name);
  if (order_.size() > kMaxSchemaRules) {
    throw GrammarError(
        fmt::format("JSON Schema too large: more than {} grammar rules", kMaxSchemaRules));
  }
  return name;
}

void GbnfRules::define(const std::string& name, std::string body) {
  bytes_ += name.size() + body.size() + 6;
  bodies_[name] = std::move(body);
  check_size();
}

void GbnfRules::check_size() {
  if (bytes_ > kMaxSchemaGrammarBytes) {
    throw GrammarError(fmt::format("JSON Schema too large: its grammar text exceeds {} MiB",
                                   kMaxSchemaGrammarBytes >> 20));
  }
}

std::string GbnfRules::text() const {
  std::string out;
  for (const std::string& name : order_) {
    auto it = bodies_.find(name);
    if (it == bodies_.end())
      continue;  // reserved for a schema that failed: never happens on success
    out += name;
    out += " ::= ";
    out += it->second;
    out += '\n';
  }
  return out;
}

}  // namespace yak::grammar
