// The results cache: where each measurement's JSON lives, whether a cached one answers the
// request, and writing one so that a crash never leaves half a file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace yak::eval::report {

// The settings a request asks for; what a cached result must record to be reused.
struct WantedSettings {
  std::string model;  // compared as paths (a relative and an absolute spelling match)
  uint64_t model_bytes = 0;
  std::string text_file;   // perplexity and KLD
  std::string base;        // KLD: the base model's path
  std::string precision;   // "default", "exact", "fast"
  int32_t n_ctx = 0;       // perplexity and KLD
  int32_t max_chunks = 0;  // 0: all
  int64_t limit = 0;       // tasks
  int32_t shots = -1;      // tasks; -1 records as 0
};

enum class ResultKind { kPerplexity, kKld, kTask };

// Empty when `recorded` (a cached --json object) was made with the wanted settings, else
// the first difference, e.g. "n_ctx is 256, not 512".
std::optional<std::string> settings_mismatch(const nlohmann::json& recorded, ResultKind kind,
                                             const WantedSettings& wanted);

// The JSON in `path`; nullopt when there is no such file. Throws yak::Error naming the file
// when it is unreadable or not JSON.
std::optional<nlohmann::json> read_result(const std::string& path);

// Writes through a temporary file beside `path`, renamed over it when complete.
void write_file_atomically(const std::string& path, const std::string& content);

// "<path>, <precision> precision" as yak eval kld describes its base -> the path.
std::string base_path_of(const std::string& description);

}  // namespace yak::eval::report
