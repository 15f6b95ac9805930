#include "runtime/grammar/json_schema_formats.h"

namespace yak::grammar {
namespace {

// Two-digit endings divisible by 4 other than "00": with the year's last two digits, a year
// is leap when they are one of these, or when they are "00" and the first two are.
constexpr std::string_view kNonzeroMultipleOf4 = "\"0\" [48] | [2468] [048] | [13579] [26]";

std::string date_rule(GbnfRules& rules) {
  const std::string year = rules.shared(
      "year", "[1-9] [0-9]{3} | \"0\" [1-9] [0-9]{2} | \"00\" [1-9] [0-9] | \"000\" [1-9]");
  const std::string mod4 = rules.shared("nonzero-mod-4", kNonzeroMultipleOf4);
  const std::string leap =
      rules.shared("leap-year", "[0-9] [0-9] " + mod4 + " | " + mod4 + " \"00\"");
  const std::string d28 = rules.shared("day-28", "\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]");
  const std::string d30 = rules.shared("day-30", d28 + " | \"29\" | \"30\"");
  const std::string d31 = rules.shared("day-31", d30 + " | \"31\"");
  return rules.shared("date", year + " \"-\" (\"0\" [13578] \"-\" " + d31 + " | \"1\" [02] \"-\" " +
                                  d31 + " | \"0\" [469] \"-\" " + d30 + " | \"11-\" " + d30 +
                                  " | \"02-\" " + d28 + ") | " + leap + " \"-02-29\"");
}

std::string time_rule(GbnfRules& rules) {
  const std::string offset =
      rules.shared("time-offset", "\"Z\" | [+\\-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9]");
  return rules.shared("time",
                      "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] "
                      "(\".\" [0-9]{1,9})? " +
                          offset);
}

std::string uuid_rule(GbnfRules& rules) {
  const std::string hex = rules.shared("hex", "[0-9a-fA-F]");
  return rules.shared("uuid", hex + "{8} \"-\" " + hex + "{4} \"-\" " + hex + "{4} \"-\" " + hex +
                                  "{4} \"-\" " + hex + "{12}");
}

std::string email_rule(GbnfRules& rules) {
  // RFC 5322 atext; none of these needs escaping inside a JSON string.
  const std::string atext = rules.shared("email-atext", "[a-zA-Z0-9!#$%&'*+/=?\\^_`{|}~\\-]");
  const std::string local = rules.shared("email-local", atext + "+ (\".\" " + atext + "+)*");
  const std::string label =
      rules.shared("email-label", "[a-zA-Z0-9] ([a-zA-Z0-9\\-]{0,61} [a-zA-Z0-9])?");
  return rules.shared("email", local + " \"@\" " + label + " (\".\" " + label + ")+");
}

}  // namespace

std::optional<std::string> format_gbnf(std::string_view format, GbnfRules& rules) {
  if (format == "date") return date_rule(rules);
  if (format == "time") return time_rule(rules);
  if (format == "date-time") {
    const std::string date = date_rule(rules);
    const std::string time = time_rule(rules);
    return rules.shared("date-time", date + " \"T\" " + time);
  }
  if (format == "uuid") return uuid_rule(rules);
  if (format == "email") return email_rule(rules);
  return std::nullopt;
}

}  // namespace yak::grammar
