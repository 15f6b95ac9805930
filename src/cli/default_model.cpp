#include "cli/default_model.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "yak/error.h"

namespace yak::cli {
namespace {

std::filesystem::path executable_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : exe.parent_path();
}

}  // namespace

std::string default_model_path() {
  if (const char* env = std::getenv("YAK_MODEL"); env != nullptr && *env != '\0') return env;
  const std::filesystem::path exe_dir = executable_dir();
  // The binary lives in <repo>/build*/bin/ when built by scripts/build.sh.
  const std::vector<std::filesystem::path> candidates = {
      exe_dir / "../../models" / kDefaultModelFile,
      exe_dir / "../models" / kDefaultModelFile,
      std::filesystem::path("models") / kDefaultModelFile,
  };
  std::vector<std::string> tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec))
      return std::filesystem::weakly_canonical(c).string();
    tried.push_back(c.lexically_normal().string());
  }
  fail(
      "no model given (-m) and the default model {} was not found (looked in: {}); "
      "install it with scripts/setup.sh or set YAK_MODEL",
      kDefaultModelFile, fmt::join(tried, ", "));
}

std::string resolve_model_path(const std::string& path) {
  return path.empty() ? default_model_path() : path;
}

}  // namespace yak::cli
