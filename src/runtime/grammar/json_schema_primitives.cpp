#include "runtime/grammar/json_schema_primitives.h"

#include <fmt/format.h>

namespace yak::grammar {

std::string ws_rule(GbnfRules& rules) {
  return rules.shared("ws", fmt::format("(\" \" | \"\\n\" [ \\t]{{0,{}}})?", kMaxIndent));
}

std::string char_rule(GbnfRules& rules) {
  return rules.shared("char",
                      "[^\"\\\\\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})");
}

std::string string_rule(GbnfRules& rules) {
  const std::string c = char_rule(rules);
  return rules.shared("string", "\"\\\"\" " + c + "* \"\\\"\"");
}

std::string number_rule(GbnfRules& rules) {
  return rules.shared("number",
                      "\"-\"? (\"0\" | [1-9] [0-9]*) (\".\" [0-9]+)? ([eE] [-+]? [0-9]+)?");
}

std::string integer_rule(GbnfRules& rules) {
  return rules.shared("integer", "\"-\"? (\"0\" | [1-9] [0-9]*)");
}

std::string boolean_rule(GbnfRules& rules) {
  return rules.shared("boolean", "\"true\" | \"false\"");
}

std::string null_rule(GbnfRules& rules) { return rules.shared("null", "\"null\""); }

std::string value_rule(GbnfRules& rules) {
  if (rules.has_shared("value")) return rules.root() + "-value";
  const std::string ws = ws_rule(rules);
  const std::string string = string_rule(rules);
  const std::string number = number_rule(rules);
  const std::string boolean = boolean_rule(rules);
  const std::string null = null_rule(rules);
  const std::string r = rules.root();
  const std::string value =
      rules.shared("value", fmt::format("{0}-object | {0}-array | {1} | {2} | {3} | {4}", r, string,
                                        number, boolean, null));
  const std::string member =
      rules.shared("member", fmt::format("{} {} \":\" {} {}", string, ws, ws, value));
  rules.shared("object",
               fmt::format("\"{{\" {0} ({1} ({0} \",\" {0} {1})* {0})? \"}}\"", ws, member));
  rules.shared("array", fmt::format("\"[\" {0} ({1} ({0} \",\" {0} {1})* {0})? \"]\"", ws, value));
  return value;
}

}  // namespace yak::grammar
