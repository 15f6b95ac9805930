// The output-constraint flags, as llama.cpp users know them: --grammar, --grammar-file,
// -j/--json-schema and --json-schema-file. At most one of them may be given.
#pragma once

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "yak/error.h"
#include "yak/grammar.h"

namespace yak::cli {

struct GrammarFlags {
  std::string grammar;
  std::string grammar_file;
  std::string json_schema;
  std::string json_schema_file;
};

inline void add_grammar_flags(CLI::App& cmd, GrammarFlags& f) {
  auto* group = cmd.add_option_group("Output constraint");
  group->add_option("--grammar", f.grammar, "GBNF grammar the output must match");
  group->add_option("--grammar-file", f.grammar_file, "File holding a GBNF grammar")
      ->check(CLI::ExistingFile);
  group->add_option("-j,--json-schema", f.json_schema,
                    "JSON Schema the output must validate against");
  group->add_option("--json-schema-file", f.json_schema_file, "File holding a JSON Schema")
      ->check(CLI::ExistingFile);
  group->require_option(0, 1);
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read {}", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The grammar the flags ask for, or null. Throws yak::Error (GrammarError for a grammar or
// schema that cannot be used) naming the flag.
inline std::shared_ptr<const Grammar> grammar_from_flags(const GrammarFlags& f) {
  const auto schema = [](const std::string& text, const char* flag) {
    nlohmann::ordered_json parsed;
    try {
      parsed = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      fail("{}: not JSON: {}", flag, e.what());
    }
    return std::make_shared<const Grammar>(Grammar::from_json_schema(parsed));
  };
  try {
    if (!f.grammar.empty()) return std::make_shared<const Grammar>(Grammar::from_gbnf(f.grammar));
    if (!f.grammar_file.empty())
      return std::make_shared<const Grammar>(Grammar::from_gbnf(read_text_file(f.grammar_file)));
    if (!f.json_schema.empty()) return schema(f.json_schema, "--json-schema");
    if (!f.json_schema_file.empty())
      return schema(read_text_file(f.json_schema_file), "--json-schema-file");
  } catch (const GrammarError& e) {
    throw GrammarError(std::string("the output constraint: ") + e.what());
  }
  return nullptr;
}

}  // namespace yak::cli
