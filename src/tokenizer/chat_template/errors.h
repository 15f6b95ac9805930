// Errors raised below the evaluator, which knows no template position yet: the evaluator
// catches them at the innermost expression or statement and rethrows them with its line
// and column as a ChatTemplateError.
#pragma once

#include <fmt/format.h>

#include <string>

#include "yak/chat_template.h"

namespace yak::chat_template {

struct Pos {
  int line = 1;
  int column = 1;
};

class UnplacedError : public Error {
 public:
  UnplacedError(ChatTemplateError::Kind kind, const std::string& message)
      : Error(message), kind_(kind) {}
  ChatTemplateError::Kind kind() const { return kind_; }

 private:
  ChatTemplateError::Kind kind_;
};

template <typename... Args>
[[noreturn]] void runtime_error(fmt::format_string<Args...> format, Args&&... args) {
  throw UnplacedError(ChatTemplateError::Kind::kRuntime,
                      fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void limit_error(fmt::format_string<Args...> format, Args&&... args) {
  throw UnplacedError(ChatTemplateError::Kind::kLimit,
                      fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void syntax_error(Pos pos, fmt::format_string<Args...> format, Args&&... args) {
  throw ChatTemplateError(ChatTemplateError::Kind::kSyntax, pos.line, pos.column,
                          fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace yak::chat_template
