#include "eval/tasks/data_files.h"

#include <filesystem>

#include "yak/error.h"
#include "yak/text_file.h"

namespace yak::eval {

std::string read_data_file(const std::string& path) {
  if (!std::filesystem::exists(path))
    fail("eval data file {} does not exist (is --data the directory of shared/data/eval?)", path);
  // The largest benchmark file here is a few MiB; 256 MiB bounds a wrong path's damage.
  return read_text_file(path, "eval data file", uint64_t{256} << 20);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace yak::eval
