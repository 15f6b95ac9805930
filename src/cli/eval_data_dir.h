// Where the eval data (shared/data/eval: tasks, WikiText-2) is, for `yak eval tasks` and
// `yak eval report`.
#pragma once

#include <string>

namespace yak::cli {

// --data, else $YAK_EVAL_DATA, else the first shared/data/eval found from the current
// directory upwards (the project's checkouts sit beside shared/). Throws yak::Error when
// none is found.
std::string resolve_data_dir(const std::string& flag);

}  // namespace yak::cli
