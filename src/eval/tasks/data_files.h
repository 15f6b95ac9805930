// Small helpers shared by the task loaders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yak::eval {

// The file's text; yak::Error naming the task's directory when it is missing.
std::string read_data_file(const std::string& path);
// Lines without their "\n" (a last empty line dropped).
std::vector<std::string> split_lines(const std::string& text);
// `limit` 0: everything.
inline bool within_limit(size_t n, int64_t limit) {
  return limit <= 0 || static_cast<int64_t>(n) < limit;
}
// Python's str.strip() for ASCII whitespace.
std::string strip(const std::string& s);

}  // namespace yak::eval
