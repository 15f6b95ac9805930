// Tokenizers and vocabularies of the test models, loaded once per test binary.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "unit/test_paths.h"
#include "yak/grammar.h"
#include "yak/tokenizer.h"

namespace yak::test {

inline const std::string kSmolLm2File = "SmolLM2-135M-Instruct.Q4_1.gguf";
inline const std::string kQwen2File = "qwen2.5-coder-0.5b-instruct.q4_k_m.gguf";

struct GrammarModel {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const GrammarVocabulary> vocabulary;
};

// Null when the model file is missing (the caller skips with the path as its reason).
inline const GrammarModel* grammar_model(const std::string& file) {
  static std::map<std::string, GrammarModel> loaded;
  if (auto it = loaded.find(file); it != loaded.end()) return &it->second;
  const std::string path = model_path(file);
  if (!std::filesystem::exists(path)) return nullptr;
  auto tokenizer = std::make_shared<const Tokenizer>(Tokenizer::from_gguf_path(path));
  auto vocabulary = std::make_shared<const GrammarVocabulary>(*tokenizer);
  return &(loaded[file] = GrammarModel{tokenizer, vocabulary});
}

inline std::shared_ptr<const TokenGrammar> bind(const std::string& gbnf, const GrammarModel& m) {
  return std::make_shared<const TokenGrammar>(Grammar::from_gbnf(gbnf), m.vocabulary);
}

}  // namespace yak::test

#define YAK_GRAMMAR_MODEL_OR_SKIP(var, file)                               \
  const ::yak::test::GrammarModel* var = ::yak::test::grammar_model(file); \
  if (var == nullptr) GTEST_SKIP() << "model file missing: " << ::yak::test::model_path(file)
