#include "cli/eval_data_dir.h"

#include <cstdlib>
#include <filesystem>

#include "yak/error.h"

namespace yak::cli {

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("YAK_EVAL_DATA"); env && *env) return env;
  std::filesystem::path dir = std::filesystem::current_path();
  for (;;) {
    const auto candidate = dir / "shared" / "data" / "eval";
    if (std::filesystem::is_directory(candidate)) return candidate.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  fail("no eval data directory: pass --data DIR (shared/data/eval) or set YAK_EVAL_DATA");
}

}  // namespace yak::cli
