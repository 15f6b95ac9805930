// The rules of a GBNF grammar under construction, all named `root` or `root-<suffix>`, so the
// rules of several schemas can share one grammar (each schema with its own root name).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace yak::grammar {

// Bounds on what one schema may generate: a hostile schema fails with a clear error instead
// of a grammar too large to compile.
inline constexpr size_t kMaxSchemaGrammarBytes = size_t{1} << 20;  // the GBNF compiler's own limit
inline constexpr size_t kMaxSchemaRules = 20000;

class GbnfRules {
 public:
  explicit GbnfRules(std::string root);

  const std::string& root() const { return root_; }
  // The name of a shared helper rule (ws, char, value, date, ...), defined the first time
  // with `body`. The suffixes of shared rules are reserved: hints never take them.
  std::string shared(std::string_view suffix, std::string_view body);
  // Whether a shared rule with this suffix is defined yet (for mutually recursive helpers).
  bool has_shared(std::string_view suffix) const;
  // A fresh name from `hint` (sanitized to [a-zA-Z0-9-], made unique), to define later.
  std::string reserve(std::string_view hint);
  void define(const std::string& name, std::string body);
  // The grammar: the root rule first, then the others in the order they were reserved.
  std::string text() const;

 private:
  void check_size();

  std::string root_;
  std::vector<std::string> order_;
  std::map<std::string, std::string, std::less<>> bodies_;
  std::set<std::string, std::less<>> taken_;
  size_t bytes_ = 0;
};

// `hint` with every character outside [a-zA-Z0-9-] replaced by '-', runs of '-' collapsed.
std::string sanitize_rule_hint(std::string_view hint);

}  // namespace yak::grammar
