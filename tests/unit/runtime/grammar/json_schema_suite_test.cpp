// The committed schema suite (tests/data/json_schema/*.json): each file holds a schema and
// hand-written instances, "valid" and "invalid" as the Python jsonschema package judges them
// (tools/check_json_schema_suite.py confirms that), and "stricter": instances jsonschema
// accepts that the grammar refuses by design (properties out of schema order, an email the
// grammar's shape excludes). Instances are stored as JSON and checked here in three
// serializations: compact (',' ':'), json.dumps' default (', ' ': ') and indent=2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "unit/runtime/grammar/json_schema_test_util.h"

namespace yak::test {
namespace {

// json.dumps(value) with its default separators (", " and ": "), non-ASCII kept as UTF-8.
std::string spaced_dump(const Json& value) {
  if (value.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      out += (first ? "" : ", ") + Json(key).dump() + ": " + spaced_dump(member);
      first = false;
    }
    return out + "}";
  }
  if (value.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + spaced_dump(value[i]);
    return out + "]";
  }
  return value.dump();
}

std::vector<std::string> serializations(const Json& instance) {
  return {instance.dump(), spaced_dump(instance), instance.dump(2)};
}

std::vector<std::filesystem::path> suite_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(YAK_SOURCE_DIR) +
                                                               "/tests/data/json_schema")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(JsonSchemaSuite, GrammarAcceptsExactlyTheValidInstances) {
  const std::vector<std::filesystem::path> files = suite_files();
  ASSERT_GE(files.size(), 40u) << "the suite should hold at least 40 schemas";
  int accepted = 0;
  int rejected = 0;
  int stricter = 0;
  for (const std::filesystem::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::ifstream in(path);
    const Json suite = Json::parse(in);
    ASSERT_TRUE(suite.contains("schema") && suite["valid"].is_array() &&
                suite["invalid"].is_array());
    Grammar grammar = Grammar::from_gbnf("root ::= \"\"");
    try {
      grammar = Grammar::from_json_schema(suite["schema"]);
    } catch (const GrammarError& e) {
      ADD_FAILURE() << "schema refused: " << e.what();
      continue;
    }
    auto check = [&](const char* list, bool expected, int& count) {
      if (!suite.contains(list)) return;
      for (const Json& instance : suite[list]) {
        bool all_agree = true;
        for (const std::string& text : serializations(instance)) {
          if (grammar.matches(text) != expected) {
            all_agree = false;
            ADD_FAILURE() << list << " instance " << (expected ? "refused" : "accepted") << ":\n"
                          << text << "\ngrammar:\n"
                          << grammar.source();
          }
        }
        count += all_agree;
      }
    };
    check("valid", true, accepted);
    check("invalid", false, rejected);
    check("stricter", false, stricter);
  }
  std::cout << "[ suite    ] " << files.size() << " schemas: " << accepted
            << " valid instances accepted, " << rejected << " invalid instances rejected, "
            << stricter
            << " stricter-than-jsonschema instances rejected (each in 3 serializations)\n";
}

}  // namespace
}  // namespace yak::test
