// Where tests find their data: real model files installed by scripts/setup.sh,
// golden files committed under tests/golden.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace yak::test {

inline std::string source_path(const std::string& relative) {
  return std::string(YAK_SOURCE_DIR) + "/" + relative;
}

// Path of a model set up by scripts/setup.sh; they live in models/ (git-ignored),
// or where YAK_MODELS_DIR points.
inline std::string model_path(const std::string& file) {
  if (const char* dir = std::getenv("YAK_MODELS_DIR")) return std::string(dir) + "/" + file;
  return source_path("models/" + file);
}

inline std::string default_model_path() { return model_path("SmolLM2-135M-Instruct.Q4_1.gguf"); }

// Path of the shared data folder beside the checkout (tokenizer vectors, eval sets).
inline std::string shared_data_path(const std::string& relative) {
  if (const char* dir = std::getenv("YAK_SHARED_DIR")) return std::string(dir) + "/data/" + relative;
  return source_path("../shared/data/" + relative);
}

}  // namespace yak::test
