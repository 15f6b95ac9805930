// The default model, loaded once per test binary and shared by the tests that only read it.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "unit/test_paths.h"
#include "yak/engine.h"

namespace yak::test {

inline std::shared_ptr<const Model> shared_default_model() {
  const std::string path = default_model_path();
  if (!std::filesystem::exists(path))
    throw std::runtime_error("model file missing: " + path + " (run scripts/setup.sh)");
  static const std::shared_ptr<const Model> model = Model::load(path);
  return model;
}

}  // namespace yak::test
