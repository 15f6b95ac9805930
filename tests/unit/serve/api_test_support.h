// Shared pieces of the serve/openai tests: the default model's tokenizer (vocabulary only, no
// weights), and a check that a call is refused with a given status, field and message.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "serve/openai/api_error.h"
#include "serve/openai/json_body.h"
#include "serve/openai/request_bounds.h"
#include "unit/test_paths.h"
#include "yak/scheduler.h"
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

// Request bounds of a small server: the parsers' tests vary only these.
inline RequestBounds bounds_of(int32_t context_size, int32_t parallel, int32_t n_vocab) {
  RequestBounds b;
  b.context_size = context_size;
  b.parallel = parallel;
  b.n_vocab = n_vocab;
  return b;
}

// One choice's share of a scheduler update.
inline ChoiceUpdate piece(int32_t index, std::string text, std::vector<int32_t> tokens,
                          std::optional<StopReason> finished = std::nullopt) {
  ChoiceUpdate c;
  c.index = index;
  c.text = std::move(text);
  c.tokens = std::move(tokens);
  c.finished = finished;
  return c;
}

}  // namespace yak::serve::test
