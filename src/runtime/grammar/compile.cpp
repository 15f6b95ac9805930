#include "runtime/grammar/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

#include "runtime/grammar/gbnf_parser.h"
#include "runtime/grammar/utf8_ranges.h"
#include "yak/grammar.h"

namespace yak::grammar {

namespace {

struct Symbol {
  bool is_rule = false;
  uint32_t id = 0;  // a rule index, or a byte set index
};
using Alternative = std::vector<Symbol>;

struct SymbolicRule {
  std::string name;
  std::vector<Alternative> alternatives;
  SourcePosition position = 0;
};

constexpr char32_t kLastCodePoint = 0x10FFFF;

class Compiler {
 public:
  explicit Compiler(std::string_view text) : text_(text) {}

  Rules run(std::string_view root_name) {
    const std::vector<RuleDefinition> definitions = parse_gbnf(text_);
    for (const RuleDefinition& d : definitions) {
      if (auto it = by_name_.find(d.name); it != by_name_.end()) {
        error(d.position, "rule '{}' is defined twice (first at {})", d.name,
              line_column(text_, rules_[it->second].position));
      }
      by_name_[d.name] = add_rule(d.name, d.position);
    }
    const auto root = by_name_.find(std::string(root_name));
    if (root == by_name_.end())
      throw GrammarError(
          fmt::format("GBNF grammar has no rule named '{}' (the start rule)", root_name));
    for (size_t i = 0; i < definitions.size(); ++i) {
      for (const Sequence& s : definitions[i].alternatives) {
        Alternative lowered = lower(s, static_cast<uint32_t>(i));
        rules_[i].alternatives.push_back(std::move(lowered));
      }
    }
    prune_unproductive(root->second);
    check_left_recursion();
    return flatten(root->second);
  }

 private:
  std::string_view text_;
  std::vector<SymbolicRule> rules_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::vector<ByteSet> byte_sets_;
  std::map<std::array<uint64_t, 4>, uint32_t> byte_set_ids_;
  std::map<std::vector<CodePointRange>, uint32_t> class_rules_;
  size_t symbols_ = 0;

  template <typename... Args>
  [[noreturn]] void error(SourcePosition at, fmt::format_string<Args...> format, Args&&... args) {
    throw GrammarError(fmt::format("GBNF {}: {}", line_column(text_, at),
                                   fmt::format(format, std::forward<Args>(args)...)));
  }

  uint32_t add_rule(std::string name, SourcePosition position) {
    if (rules_.size() >= kMaxRules)
      error(position, "the grammar needs more than {} rules (repetitions count)", kMaxRules);
    rules_.push_back(SymbolicRule{std::move(name), {}, position});
    return static_cast<uint32_t>(rules_.size() - 1);
  }

  uint32_t add_helper(uint32_t owner, SourcePosition position) {
    return add_rule(fmt::format("{}_{}", rules_[owner].name, rules_.size()), position);
  }

  void count(size_t n, SourcePosition at) {
    symbols_ += n;
    if (symbols_ > kMaxElements)
      error(at, "the grammar expands to more than {} elements (check large repetitions)",
            kMaxElements);
  }

  Symbol terminal(const ByteSet& set) {
    auto [it, inserted] =
        byte_set_ids_.try_emplace(set.bits, static_cast<uint32_t>(byte_sets_.size()));
    if (inserted) byte_sets_.push_back(set);
    return Symbol{false, it->second};
  }

  Alternative lower(const Sequence& sequence, uint32_t owner) {
    Alternative out;
    for (const Item& item : sequence.items) append_item(item, owner, out);
    return out;
  }

  void append(Alternative& out, const Alternative& part, SourcePosition at) {
    count(part.size(), at);
    out.insert(out.end(), part.begin(), part.end());
  }

  void append_item(const Item& item, uint32_t owner, Alternative& out) {
    Alternative one = single(item, owner);
    if (item.min == 1 && item.max == 1) {
      append(out, one, item.position);
      return;
    }
    if (one.size() != 1) {
      const uint32_t wrapped = add_helper(owner, item.position);
      rules_[wrapped].alternatives.push_back(std::move(one));
      one = Alternative{Symbol{true, wrapped}};
    }
    for (int i = 0; i < item.min; ++i) append(out, one, item.position);
    if (item.max < 0) {  // x* as r ::= x r | (right recursion: the stack does not grow)
      const uint32_t star = add_helper(owner, item.position);
      rules_[star].alternatives = {Alternative{one[0], Symbol{true, star}}, Alternative{}};
      append(out, Alternative{Symbol{true, star}}, item.position);
    } else if (item.max > item.min) {  // x{0,k} as r_k ::= x r_(k-1) | , r_1 ::= x |
      uint32_t previous = 0;
      for (int i = 0; i < item.max - item.min; ++i) {
        const uint32_t optional = add_helper(owner, item.position);
        Alternative first{one[0]};
        if (i > 0) first.push_back(Symbol{true, previous});
        count(first.size(), item.position);
        rules_[optional].alternatives = {std::move(first), Alternative{}};
        previous = optional;
      }
      append(out, Alternative{Symbol{true, previous}}, item.position);
    }
  }

  Alternative single(const Item& item, uint32_t owner) {
    switch (item.kind) {
      case Item::Kind::kLiteral: {
        Alternative out;
        for (char32_t cp : item.literal) {
          uint8_t bytes[4];
          const int n = encode_utf8(cp, bytes);
          for (int i = 0; i < n; ++i) {
            ByteSet set;
            set.set(bytes[i]);
            out.push_back(terminal(set));
          }
        }
        return out;
      }
      case Item::Kind::kAny:
        return {class_symbol({{0, kLastCodePoint}}, false, owner, item.position)};
      case Item::Kind::kClass:
        return {class_symbol(item.ranges, item.negated, owner, item.position)};
      case Item::Kind::kRule: {
        const auto it = by_name_.find(item.rule);
        if (it == by_name_.end()) error(item.position, "undefined rule '{}'", item.rule);
        return {Symbol{true, it->second}};
      }
      case Item::Kind::kGroup: {
        if (item.alternatives.size() == 1) return lower(item.alternatives[0], owner);
        const uint32_t group = add_helper(owner, item.position);
        for (const Sequence& s : item.alternatives) {
          Alternative lowered = lower(s, owner);
          rules_[group].alternatives.push_back(std::move(lowered));
        }
        return {Symbol{true, group}};
      }
    }
    return {};
  }

  // A class over code points: one terminal when it is all ASCII, else a helper rule whose
  // alternatives are the UTF-8 byte patterns (shared by every use of the same class).
  Symbol class_symbol(std::vector<CodePointRange> ranges, bool negated, uint32_t owner,
                      SourcePosition at) {
    std::vector<CodePointRange> normalized = normalize_ranges(std::move(ranges), negated);
    ByteSet ascii;
    bool multibyte = false;
    for (auto [lo, hi] : normalized) {
      if (lo < 0x80)
        ascii.set_range(static_cast<uint8_t>(lo),
                        static_cast<uint8_t>(std::min<char32_t>(hi, 0x7F)));
      if (hi >= 0x80) multibyte = true;
    }
    if (!multibyte) return terminal(ascii);
    if (auto it = class_rules_.find(normalized); it != class_rules_.end())
      return {true, it->second};

    // Byte patterns that differ only in their first byte share one alternative.
    std::vector<std::vector<ByteSet>> patterns;
    for (auto [lo, hi] : normalized) {
      if (hi < 0x80) continue;
      for (const auto& sequence : utf8_sequences(std::max<char32_t>(lo, 0x80), hi)) {
        std::vector<ByteSet> pattern(sequence.size());
        for (size_t i = 0; i < sequence.size(); ++i)
          pattern[i].set_range(sequence[i].first, sequence[i].second);
        auto same_tail = std::find_if(patterns.begin(), patterns.end(), [&](const auto& p) {
          return p.size() == pattern.size() &&
                 std::equal(p.begin() + 1, p.end(), pattern.begin() + 1);
        });
        if (same_tail != patterns.end()) {
          (*same_tail)[0] |= pattern[0];
        } else {
          patterns.push_back(std::move(pattern));
        }
      }
    }
    const uint32_t rule = add_helper(owner, at);
    if (!ascii.empty()) rules_[rule].alternatives.push_back({terminal(ascii)});
    for (const auto& pattern : patterns) {
      Alternative alternative;
      for (const ByteSet& set : pattern) alternative.push_back(terminal(set));
      count(alternative.size(), at);
      rules_[rule].alternatives.push_back(std::move(alternative));
    }
    class_rules_.emplace(std::move(normalized), rule);
    return {true, rule};
  }

  // Rules that can derive some finite text (`nullable_only`: the empty text), found with a
  // work list so that long chains of rules cost linear time.
  std::vector<bool> derivable(bool nullable_only) const {
    std::vector<bool> result(rules_.size(), false);
    std::vector<uint32_t> missing;   // per alternative: unresolved rule references
    std::vector<uint32_t> owner_of;  // per alternative: its rule
    std::vector<std::vector<uint32_t>> uses(rules_.size());  // rule -> alternatives using it
    std::vector<uint32_t> ready;
    for (uint32_t r = 0; r < rules_.size(); ++r) {
      for (const Alternative& a : rules_[r].alternatives) {
        const uint32_t id = static_cast<uint32_t>(missing.size());
        uint32_t unresolved = 0;
        bool dead = false;
        for (const Symbol& s : a) {
          if (s.is_rule) {
            ++unresolved;
            uses[s.id].push_back(id);
          } else if (nullable_only || byte_sets_[s.id].empty()) {
            dead = true;
          }
        }
        missing.push_back(dead ? UINT32_MAX : unresolved);
        owner_of.push_back(r);
        if (!dead && unresolved == 0) ready.push_back(id);
      }
    }
    while (!ready.empty()) {
      const uint32_t rule = owner_of[ready.back()];
      ready.pop_back();
      if (result[rule]) continue;
      result[rule] = true;
      for (uint32_t alternative : uses[rule]) {
        if (missing[alternative] != UINT32_MAX && --missing[alternative] == 0)
          ready.push_back(alternative);
      }
    }
    return result;
  }

  // Drops every alternative that can never finish, so that every stack the matcher holds
  // can still reach the end (a state with no way on is then always a complete match).
  void prune_unproductive(uint32_t root) {
    const std::vector<bool> productive = derivable(false);
    if (!productive[root]) {
      error(rules_[root].position,
            "the grammar matches no finite text: every alternative of rule '{}' needs itself "
            "again or something that can never match (such as an empty class)",
            rules_[root].name);
    }
    for (SymbolicRule& rule : rules_) {
      std::erase_if(rule.alternatives, [&](const Alternative& a) {
        return std::any_of(a.begin(), a.end(), [&](const Symbol& s) {
          return s.is_rule ? !productive[s.id] : byte_sets_[s.id].empty();
        });
      });
    }
  }

  // A rule that can reach itself without consuming a byte would make the matcher expand
  // forever; so would a chain of rules deeper than the expansion limit.
  void check_left_recursion() {
    const std::vector<bool> nullable = derivable(true);
    std::vector<std::vector<uint32_t>> edges(rules_.size());
    for (uint32_t r = 0; r < rules_.size(); ++r) {
      for (const Alternative& a : rules_[r].alternatives) {
        for (const Symbol& s : a) {
          if (!s.is_rule) break;
          edges[r].push_back(s.id);
          if (!nullable[s.id]) break;
        }
      }
    }
    enum : uint8_t { kNew, kOpen, kDone };
    std::vector<uint8_t> color(rules_.size(), kNew);
    std::vector<uint32_t> depth(rules_.size(), 0);
    std::vector<std::pair<uint32_t, size_t>> path;  // rule, next edge to follow
    for (uint32_t start = 0; start < rules_.size(); ++start) {
      if (color[start] != kNew) continue;
      path.emplace_back(start, 0);
      color[start] = kOpen;
      while (!path.empty()) {
        auto& [rule, next] = path.back();
        if (next < edges[rule].size()) {
          const uint32_t to = edges[rule][next++];
          if (color[to] == kOpen) report_cycle(path, to);
          if (color[to] == kNew) {
            color[to] = kOpen;
            path.emplace_back(to, 0);
          }
          continue;
        }
        uint32_t deepest = 0;
        for (uint32_t to : edges[rule]) deepest = std::max(deepest, depth[to] + 1);
        depth[rule] = deepest;
        if (deepest > kMaxExpansionDepth) {
          error(rules_[rule].position,
                "rule '{}' enters more than {} rules before its first byte (a chain of "
                "optional items too long to match)",
                rules_[rule].name, kMaxExpansionDepth);
        }
        color[rule] = kDone;
        path.pop_back();
      }
    }
  }

  [[noreturn]] void report_cycle(const std::vector<std::pair<uint32_t, size_t>>& path,
                                 uint32_t to) {
    std::string cycle;
    bool in_cycle = false;
    for (const auto& [rule, next] : path) {
      if (rule == to) in_cycle = true;
      if (in_cycle) cycle += rules_[rule].name + " -> ";
    }
    cycle += rules_[to].name;
    error(rules_[to].position,
          "rule '{}' is left-recursive ({}): it can reach itself without matching any text, "
          "which the matcher cannot run (rewrite it with repetition, or make it consume a "
          "character first; a repetition of something that can be empty also does this)",
          rules_[to].name, cycle);
  }

  Rules flatten(uint32_t root) {
    Rules out;
    out.source = std::string(text_);
    out.root = root;
    out.byte_sets = byte_sets_;
    for (const SymbolicRule& rule : rules_) {
      out.alternative_begin.push_back(static_cast<uint32_t>(out.alternative_starts.size()));
      out.rule_names.push_back(rule.name);
      for (const Alternative& a : rule.alternatives) {
        out.alternative_starts.push_back(static_cast<uint32_t>(out.elements.size()));
        for (const Symbol& s : a) {
          out.elements.push_back(
              make_element(s.is_rule ? ElementKind::kRule : ElementKind::kTerminal, s.id));
        }
        out.elements.push_back(make_element(ElementKind::kEnd, 0));
      }
    }
    out.alternative_begin.push_back(static_cast<uint32_t>(out.alternative_starts.size()));
    if (out.elements.size() > kMaxElements) {
      throw GrammarError(
          fmt::format("GBNF grammar compiles to {} elements, more than the limit of {}",
                      out.elements.size(), kMaxElements));
    }
    return out;
  }
};

}  // namespace

Rules compile_gbnf(std::string_view text, std::string_view root) {
  return Compiler(text).run(root);
}

}  // namespace yak::grammar
