// Shared pieces of the serve/openai tests: the default model's tokenizer (vocabulary only, no
// weights), and a check that a call is refused with a given status, field and message.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "serve/openai/api_error.h"
#include "serve/openai/json_body.h"
#include "unit/test_paths.h"
#include "yak/tokenizer.h"

namespace yak::serve::test {

// Null when the model file is missing (the caller skips with a reason).
inline const Tokenizer* default_tokenizer() {
  static const std::unique_ptr<Tokenizer> tokenizer = [] {
    const std::string path = yak::test::default_model_path();
    return std::filesystem::exists(path)
               ? std::make_unique<Tokenizer>(Tokenizer::from_gguf_path(path))
               : nullptr;
  }();
  return tokenizer.get();
}

#define YAK_NEED_TOKENIZER(tok)                                                         \
  const Tokenizer* tok##_ptr = ::yak::serve::test::default_tokenizer();                 \
  if (tok##_ptr == nullptr) GTEST_SKIP() << "default model missing (scripts/setup.sh)"; \
  const Tokenizer& tok = *tok##_ptr

// The ApiError `fn` throws; fails the test when it throws nothing or something else.
inline ApiError api_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than ApiError: " << e.what();
    return ApiError(0, "", "");
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ApiError(0, "", "");
}

inline Json body(const char* text) { return parse_json_object(text, 64); }

}  // namespace yak::serve::test
