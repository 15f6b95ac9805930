// Errors: every failure that a user can cause (a bad file, flag, template or request) is
// reported as a yak::Error whose message names the problem. What the library throws is a
// yak::Error or a subclass of it (ChatTemplateError); anything else escaping it is a bug.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace yak {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A request the engine cannot take now but could later: its queue is full (a server answers
// 429 with Retry-After).
class OverloadedError : public Error {
 public:
  using Error::Error;
};

// The engine is not taking requests: it is shutting down or its loop has stopped (a server
// answers 503).
class UnavailableError : public Error {
 public:
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace yak
