// What a report shows, gathered before anything is rendered: each model's facts and, per
// measurement, the cached or new result JSON or the reason there is none.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace yak::eval::report {

struct ModelFacts {
  std::string path;
  std::string stem;       // file name without .gguf: the results folder's name
  std::string family;     // the stem without its quantization suffix: models of one family
  std::string file_type;  // "Q4_K_M", from general.file_type
  uint64_t file_bytes = 0;
  int64_t n_params = 0;  // elements of all tensors
  uint64_t tensor_bytes = 0;
  double bits_per_weight() const {
    return n_params > 0 ? 8.0 * double(tensor_bytes) / double(n_params) : 0;
  }
};

enum class ItemStatus { kReused, kRan, kMissing, kFailed };
const char* status_name(ItemStatus s);

// One measurement of one model: "ppl-en", "kld-en", "task-arc_easy".
struct Item {
  std::string key;
  ItemStatus status = ItemStatus::kMissing;
  std::optional<nlohmann::json> result;  // what `yak eval ... --json` printed
  std::string note;                      // why there is no result, or why it was measured again
};

struct ModelReport {
  ModelFacts facts;
  std::vector<Item> items;
  const Item* find(const std::string& key) const;
};

struct ReportData {
  std::vector<std::string> text_names;  // "en", "zh"
  std::vector<std::string> tasks;
  std::string base;  // empty: no KLD
  nlohmann::json settings;
  std::vector<ModelReport> models;
};

}  // namespace yak::eval::report
