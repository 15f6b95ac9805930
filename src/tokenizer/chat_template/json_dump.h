// Python's json.dumps, as transformers' tojson filter calls it (ensure_ascii=False by
// default): same separators, indentation, float repr and escapes, key order kept.
#pragma once

#include <optional>
#include <string>

#include "tokenizer/chat_template/value.h"

namespace yak::chat_template {

struct JsonDumpOptions {
  std::optional<std::string> indent;  // unset: one line; else the per-level indent text
  std::string item_separator = ", ";  // json.dumps uses "," when an indent is given
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};

// Throws (kRuntime) for values JSON cannot hold, as json.dumps raises TypeError.
// max_bytes bounds the result; exceeding it is a limit error.
std::string json_dumps(const Value& v, const JsonDumpOptions& options, size_t max_bytes);

}  // namespace yak::chat_template
