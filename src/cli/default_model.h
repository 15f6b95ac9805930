// Where `yak` finds its default model when -m is not given.
#pragma once

#include <string>

namespace yak::cli {

inline constexpr const char* kDefaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";

// $YAK_MODEL if set; else the first existing models/<kDefaultModelFile> next to
// the build tree or the current directory. Throws yak::Error listing the
// places it looked, with the command that installs the model.
std::string default_model_path();

// `path` if not empty, else default_model_path().
std::string resolve_model_path(const std::string& path);

}  // namespace yak::cli
