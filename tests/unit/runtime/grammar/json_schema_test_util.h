// Helpers for the JSON Schema tests: a schema's grammar, and checks of JSON texts against it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "yak/grammar.h"

namespace yak::test {

using Json = nlohmann::ordered_json;

inline Grammar schema_grammar(const std::string& schema_text) {
  return Grammar::from_json_schema(Json::parse(schema_text));
}

// Each text must (or must not) be accepted by the grammar of `schema_text`.
inline void expect_schema_language(const std::string& schema_text,
                                   const std::vector<std::string>& accepted,
                                   const std::vector<std::string>& rejected) {
  const Grammar g = schema_grammar(schema_text);
  for (const std::string& s : accepted) {
    EXPECT_TRUE(g.matches(s)) << "schema " << schema_text << "\nshould accept: " << s << "\n"
                              << g.source();
  }
  for (const std::string& s : rejected) {
    EXPECT_FALSE(g.matches(s)) << "schema " << schema_text << "\nshould reject: " << s << "\n"
                               << g.source();
  }
}

// The GrammarError message of converting `schema_text` (fails the test when it converts).
inline std::string schema_error(const std::string& schema_text) {
  try {
    json_schema_to_gbnf(Json::parse(schema_text));
  } catch (const GrammarError& e) {
    return e.what();
  }
  ADD_FAILURE() << "schema converted without error: " << schema_text;
  return "";
}

}  // namespace yak::test
