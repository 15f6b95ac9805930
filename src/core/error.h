// Errors: every failure that a user can cause (bad file, bad flag, bad request)
// is reported as a yak::Error whose message names the problem. Internal
// invariants use YAK_CHECK, which stays on in release builds.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace yak {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace yak

// An invariant that must hold whatever the input; violating it is a bug in Yak.
#define YAK_CHECK(cond)                                                                  \
  do {                                                                                   \
    if (!(cond)) ::yak::fail("internal error: {} failed at {}:{}", #cond, __FILE__, __LINE__); \
  } while (0)
