// The "architecture" part of `yak inspect`: how Yak's decoder reads the file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace yak::cli {

// Text lines (indented, one field per line), or the reason Yak cannot run the file.
void print_architecture(const std::string& path);

// {"runnable": true, ...fields} or {"runnable": false, "error": "..."}.
nlohmann::json architecture_json(const std::string& path);

}  // namespace yak::cli
